package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Failpoints let the crash and fault tests of cmd/statexport stop a real run at a named step of
// the publication protocol. They are inert unless the environment variable SXTEST_FAILPOINT is
// set (deliberately not a STATEXPORT_ variable: those are config overrides). Its value is
//
//	NAME[@N][:pause]
//
// NAME is one of the names below; N (default 1) is the hit to act on, for names reached more
// than once (read-batch, after-table). Without :pause the process kills itself with SIGKILL
// there, which is what a crash, the OOM killer or a power cut looks like to the files. With
// :pause it writes "SXTEST failpoint NAME@N paused" to stderr and waits for SIGUSR1, SIGTERM or
// SIGINT (or 60 s), then goes on; a SIGTERM or SIGINT is also seen by the run's context, so
// the run then behaves as interrupted at that step.
//
// SXTEST_TRACE, when set, names a file to which each failpoint appends a line "NAME MICROS"
// (microseconds since the process started) when it is first reached, so a test that kills a
// run at a random moment can tell which step it was in, and time its kills to land in each.
// Neither variable is read more than once, and neither ever carries data.
//
// The names, in the order a run reaches them:
//
//	after-lock         the ledger's lock is held and the ledger read
//	after-rollforward  committed releases of killed runs are published, stale staging removed
//	read-batch         a record batch of the source was read and bounded
//	after-read         the whole source is read
//	after-aggregate    the noisy tables are computed (in memory)
//	after-stage        the staging directory exists, empty
//	after-table        a table's Parquet file is written into staging
//	after-scan         the staged tables passed the personal-data scan
//	after-report       report.json (and report.html) are written into staging
//	after-seal         the staged release is fsynced and sealed
//	after-commit       the ledger line is appended and fsynced: the commit point
//	after-publish      the release is moved into place
const (
	fpAfterLock         = "after-lock"
	fpAfterRollForward  = "after-rollforward"
	fpReadBatch         = "read-batch"
	fpAfterRead         = "after-read"
	fpAfterAggregate    = "after-aggregate"
	fpAfterStage        = "after-stage"
	fpAfterTable        = "after-table"
	fpAfterScan         = "after-scan"
	fpAfterReport       = "after-report"
	fpAfterSeal         = "after-seal"
	fpAfterCommit       = "after-commit"
	fpAfterPublish      = "after-publish"
	failpointEnv        = "SXTEST_FAILPOINT"
	failpointTraceEnv   = "SXTEST_TRACE"
	failpointPauseLimit = 60 * time.Second
)

// Failpoints lists every failpoint name in the order a run reaches them (for tests).
var Failpoints = []string{fpAfterLock, fpAfterRollForward, fpReadBatch, fpAfterRead,
	fpAfterAggregate, fpAfterStage, fpAfterTable, fpAfterScan, fpAfterReport, fpAfterSeal,
	fpAfterCommit, fpAfterPublish}

type failpointSpec struct {
	name  string
	hit   int
	pause bool
}

var (
	fpOnce  sync.Once
	fpSpec  failpointSpec
	fpTrace string
	fpMu    sync.Mutex
	fpHits  = map[string]int{}
	fpCtx   context.Context // the run's context, so a paused failpoint sees its interruption
	fpStart = time.Now()
)

// failpointContext tells the failpoints the run's context: after a SIGTERM or SIGINT ends a
// pause, the failpoint waits until the context is cancelled, so the run's next check of it
// deterministically sees the interruption.
func failpointContext(ctx context.Context) {
	fpMu.Lock()
	fpCtx = ctx
	fpMu.Unlock()
}

// parseFailpoint parses NAME[@N][:pause]; anything else (or empty) disables failpoints.
func parseFailpoint(v string) failpointSpec {
	var s failpointSpec
	v, s.pause = strings.CutSuffix(v, ":pause")
	name, n, hasN := strings.Cut(v, "@")
	s.name, s.hit = name, 1
	if hasN {
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 {
			return failpointSpec{}
		}
		s.hit = k
	}
	return s
}

// failpoint is called by the run at each named step; see the comment on the names above.
func failpoint(name string) {
	fpOnce.Do(func() {
		fpSpec = parseFailpoint(os.Getenv(failpointEnv))
		fpTrace = os.Getenv(failpointTraceEnv)
	})
	if fpSpec.name == "" && fpTrace == "" {
		return
	}
	fpMu.Lock()
	fpHits[name]++
	hit := fpHits[name]
	fpMu.Unlock()
	if fpTrace != "" && hit == 1 {
		// One write(2) per line with O_APPEND: a kill leaves whole lines only.
		if f, err := os.OpenFile(fpTrace, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			_, _ = fmt.Fprintf(f, "%s %d\n", name, time.Since(fpStart).Microseconds())
			_ = f.Close()
		}
	}
	if name != fpSpec.name || hit != fpSpec.hit {
		return
	}
	if !fpSpec.pause {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; never go on
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(ch)
	fmt.Fprintf(os.Stderr, "SXTEST failpoint %s@%d paused\n", name, hit)
	var sig os.Signal
	select {
	case sig = <-ch:
	case <-time.After(failpointPauseLimit):
	}
	fpMu.Lock()
	ctx := fpCtx
	fpMu.Unlock()
	if ctx != nil && (sig == syscall.SIGTERM || sig == syscall.SIGINT) {
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
