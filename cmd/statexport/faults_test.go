package main

// Faults (SPEC.md "Publication protocol", "Command line"): a read-only output directory, a full
// output file system, a full ledger file system, a read-only ledger or ledger directory, a
// source that vanishes or is truncated mid-read, a PostgreSQL connection dropped mid-query.
// Each must end with a clear error and exit 1 (2 for config), publish nothing and lose nothing:
// the ledger and the visible releases are as before, and the next run proceeds normally.
//
// The file-system faults are made with mounts (a read-only bind mount, a small tmpfs) inside a
// private mount namespace (unshare -m) that lives only as long as the one statexport process,
// so nothing is mounted on the host; they need root and util-linux's unshare, and are skipped
// without them (CI runs as root).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// needNamespaces skips the test unless the binary can be run in a private mount namespace.
func needNamespaces(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mount faults need root (CI runs as root)")
	}
	if err := exec.Command("unshare", "-m", "--propagation", "private", "true").Run(); err != nil {
		t.Skipf("unshare -m unavailable: %v", err)
	}
}

// nsRun runs the binary with args inside a private mount namespace: setup (shell, set -e; its
// failure exits 97) runs first, then the binary, then teardown; the binary's exit code is
// returned. The shell variables T (the example's temp dir), OUT (its out directory), VAR (its
// ledger directory) and L (the ledger) are set.
func nsRun(t *testing.T, ex example, setup, teardown string, env []string, args ...string) result {
	t.Helper()
	script := `set -u
T="$1"; OUT="$T/out"; VAR="$T/var"; L="$VAR/ledger.jsonl"; BIN="$2"; shift 2
( set -e
` + setup + `
) || exit 97
"$BIN" "$@"
rc=$?
` + teardown + `
exit $rc`
	cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script, "sh", ex.tmp, binary}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code == 97 && !tolerateSetup {
		t.Fatalf("namespace setup failed: %s", se.String())
	}
	return result{code, so.String(), se.String()}
}

// tolerateSetup lets TestFaultOutputFull try sizes too small for the previous release.
var tolerateSetup bool

// faultCase is what a fault must leave: exit code, a phrase of the error, and the ledger and
// visible releases of before.
type faultCheck struct {
	ex      example
	lines   []string
	visible map[string]string
}

func beforeFault(t *testing.T, ex example) faultCheck {
	return faultCheck{ex: ex, lines: readLines(t, ex.ledger), visible: visibleSnapshot(t, ex)}
}

// after checks a faulted run: exit code want, stderr holding phrase, the ledger and the
// visible releases unchanged, no staging left behind, no identifier printed; then the next
// run (on an unfaulted system) must publish release next.
func (f faultCheck) after(t *testing.T, r result, want int, phrase string, env []string, next string) {
	t.Helper()
	ex := f.ex
	if r.code != want {
		t.Errorf("exit %d, want %d: %s", r.code, want, lastLine(r.stderr))
	}
	if !strings.Contains(r.stderr, phrase) {
		t.Errorf("stderr does not say %q: %s", phrase, lastLine(r.stderr))
	}
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("a failed run printed %d bytes on stdout", len(r.stdout))
	}
	if got := readLines(t, ex.ledger); strings.Join(got, "\n") != strings.Join(f.lines, "\n") {
		t.Errorf("the ledger changed: %d lines, was %d", len(got), len(f.lines))
	}
	if !maps2Equal(f.visible, visibleSnapshot(t, ex)) {
		t.Errorf("visible outputs changed")
	}
	s := checkState(ex)
	for _, v := range s.violations {
		t.Error(v)
	}
	if len(s.hidden) != 0 {
		t.Errorf("the failed run left %v", s.hidden)
	}
	assertNoIdentifiers(t, ex, r)
	if next == "" {
		return
	}
	n := runBin(t, env, "run", "--config", ex.config, "--release", next)
	if n.code != 0 {
		t.Errorf("the next run: exit %d: %s", n.code, lastLine(n.stderr))
	}
	for _, v := range checkState(ex).violations {
		t.Error("after the next run: " + v)
	}
}

func TestFaultOutputReadOnly(t *testing.T) {
	needNamespaces(t)
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			ex := newExample(t)
			env := l.env(ex)
			if r := runBin(t, env, "run", "--config", ex.config, "--release", "r1"); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, lastLine(r.stderr))
			}
			f := beforeFault(t, ex)
			r := nsRun(t, ex, `mount --bind "$OUT" "$OUT"; mount -o remount,bind,ro "$OUT"`, "",
				env, "run", "--config", ex.config, "--release", "r2")
			f.after(t, r, 1, "read-only file system", env, "r2")
		})
	}
}

// TestFaultOutputFull runs a release onto an output file system (a tmpfs holding the previous
// release) of every size from too small for anything new to large enough, so the writes fail
// at every file of the release in turn; the largest size must succeed.
func TestFaultOutputFull(t *testing.T) {
	needNamespaces(t)
	l := layouts[1] // one directory each release replaces: the previous release must survive
	ex := newExample(t)
	env := l.env(ex)
	if r := runBin(t, env, "run", "--config", ex.config, "--release", "r0"); r.code != 0 {
		t.Fatalf("first run: exit %d: %s", r.code, lastLine(r.stderr))
	}
	// tmpfs charges whole pages: the previous release takes about 12 pages.
	setup := `mkdir "$T/seed" "$T/snap"; cp -a "$OUT"/. "$T/seed"/
mount -t tmpfs -o size=${SX_KB}k,mode=0755 tmpfs "$OUT"; cp -a "$T/seed"/. "$OUT"/`
	teardown := `cp -a "$OUT"/. "$T/snap"/; umount "$OUT"; find "$OUT" -mindepth 1 -delete
cp -a "$T/snap"/. "$OUT"/; rm -rf "$T/seed" "$T/snap"`
	failed, phrases := 0, map[string]int{}
	tolerateSetup = true
	defer func() { tolerateSetup = false }()
	for kb := 4; kb <= 200; kb += 4 {
		f := beforeFault(t, ex)
		release := fmt.Sprintf("s%d", kb)
		r := nsRun(t, ex, setup, teardown, append(env, fmt.Sprintf("SX_KB=%d", kb)), "run", "--config", ex.config, "--release", release)
		if r.code == 97 { // the previous release does not fit
			os.RemoveAll(filepath.Join(ex.tmp, "seed"))
			os.RemoveAll(filepath.Join(ex.tmp, "snap"))
			continue
		}
		if r.code == 0 {
			for _, v := range checkState(ex).violations {
				t.Errorf("%d KiB: %s", kb, v)
			}
			t.Logf("output file system full: %d sizes failed (%v), %d KiB succeeded", failed, phrases, kb)
			if failed < 3 {
				t.Errorf("only %d sizes failed: the sweep does not reach the writes", failed)
			}
			return
		}
		failed++
		t.Run(fmt.Sprintf("%dKiB", kb), func(t *testing.T) {
			f.after(t, r, 1, "no space left on device", nil, "")
		})
		line := lastLine(r.stderr)
		for _, w := range []string{"write table", "report.html", "report.json", "seal", "publish", "stage"} { // the step's words in the error
			if strings.Contains(line, w) {
				phrases[w]++
				break
			}
		}
	}
	t.Errorf("no size up to 200 KiB succeeded")
}

// TestFaultLedgerFull fills the ledger's file system so that the ledger line cannot be
// written at the commit point, both for a first line and for a line crossing a page boundary
// (a short write, which Append must truncate away).
func TestFaultLedgerFull(t *testing.T) {
	needNamespaces(t)
	setup := `mkdir "$T/seed"; cp -a "$VAR"/. "$T/seed"/
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$VAR"; cp -a "$T/seed"/. "$VAR"/; rm -rf "$T/seed"
dd if=/dev/zero of="$VAR/filler" bs=4k 2>/dev/null || true`
	teardown := `rm -f "$VAR/filler"; mkdir "$T/snap"; cp -a "$VAR"/. "$T/snap"/; umount "$VAR"
find "$VAR" -mindepth 1 -delete; cp -a "$T/snap"/. "$VAR"/; rm -rf "$T/snap"`
	t.Run("first line", func(t *testing.T) {
		ex := newExample(t)
		os.MkdirAll(filepath.Dir(ex.ledger), 0o700)
		f := beforeFault(t, ex)
		r := nsRun(t, ex, setup, teardown, crashEnv, "run", "--config", ex.config, "--release", "r1")
		f.after(t, r, 1, "no space left on device", crashEnv, "r1")
	})
	t.Run("line across a page", func(t *testing.T) {
		ex := newExample(t)
		// Publish releases until the next line would cross a 4 KiB page boundary.
		for i := 0; ; i++ {
			if r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", fmt.Sprintf("p%d", i)); r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, lastLine(r.stderr))
			}
			fi, err := os.Stat(ex.ledger)
			if err != nil {
				t.Fatal(err)
			}
			lines := readLines(t, ex.ledger)
			if rest := 4096 - fi.Size()%4096; rest < int64(len(lines[len(lines)-1]))-20 && rest > 100 {
				break
			}
		}
		f := beforeFault(t, ex)
		r := nsRun(t, ex, setup, teardown, crashEnv, "run", "--config", ex.config, "--release", "q")
		f.after(t, r, 1, "no space left on device", crashEnv, "q")
	})
}

// TestFaultLedgerReadOnly: a ledger file that cannot be written fails the run at the commit
// point; a ledger directory that cannot be written fails it at the lock.
func TestFaultLedgerReadOnly(t *testing.T) {
	needNamespaces(t)
	for _, c := range []struct{ name, setup string }{
		{"ledger file", `mount --bind "$L" "$L"; mount -o remount,bind,ro "$L"`},
		{"ledger directory", `mount --bind "$VAR" "$VAR"; mount -o remount,bind,ro "$VAR"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := newExample(t)
			if r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", "r1"); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, lastLine(r.stderr))
			}
			f := beforeFault(t, ex)
			r := nsRun(t, ex, c.setup, "", crashEnv, "run", "--config", ex.config, "--release", "r2")
			f.after(t, r, 1, "read-only file system", crashEnv, "r2")
		})
	}
}

// pausedRun starts a run of ex paused after its first record batch, calls during, and lets it
// go on.
func pausedRun(t *testing.T, ex example, release string, during func()) result {
	t.Helper()
	p := startBin(t, append(slicesClone(crashEnv), "SXTEST_FAILPOINT=read-batch@1:pause"), "run", "--config", ex.config, "--release", release)
	select {
	case <-p.paused:
	case <-p.done:
		t.Fatalf("the run ended before its first batch")
	case <-time.After(30 * time.Second):
		t.Fatalf("the run did not pause")
	}
	during()
	p.cmd.Process.Signal(syscall.SIGUSR1)
	r, sig := p.wait(t)
	if sig != 0 {
		t.Fatalf("the run died of %v", sig)
	}
	return r
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestFaultSourceMidRead: a source file removed while it is read is still read whole through
// the open descriptor, so the run publishes exactly that file (its sha256 in the ledger); one
// truncated in the middle of a line fails the run (exit 1, citing the line).
func TestFaultSourceMidRead(t *testing.T) {
	ex := bigExample(t, *crashRows)
	csv := filepath.Join(ex.tmp, "repo/registers/daycare.csv")
	orig, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("removed", func(t *testing.T) {
		r := pausedRun(t, ex, "gone", func() {
			if err := os.Remove(csv); err != nil {
				t.Fatal(err)
			}
		})
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, lastLine(r.stderr))
		}
		s := checkState(ex)
		for _, v := range s.violations {
			t.Error(v)
		}
		if e, ok := s.led.Find("daycare-enrolment", "gone"); !ok || e.Input.SHA256 != sha256Hex(orig) || e.Input.RowsRead != int64(*crashRows) {
			t.Errorf("the ledger does not record the file that was read (rows %d)", e.Input.RowsRead)
		}
		// Removed before the run: a clear error naming the file.
		r = runBin(t, crashEnv, "run", "--config", ex.config, "--release", "gone2")
		if r.code != 1 && r.code != 2 || !strings.Contains(r.stderr, "daycare.csv") {
			t.Errorf("a missing source: exit %d, want 1 or 2 naming the file: %s", r.code, lastLine(r.stderr))
		}
	})
	t.Run("truncated", func(t *testing.T) {
		if err := os.WriteFile(csv, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		f := beforeFault(t, ex)
		// Cut in the middle of a line at 90 %: beyond what the first batch read.
		cut := len(orig) * 9 / 10
		for orig[cut-1] == '\n' || orig[cut] == '\n' || orig[cut] == '\r' {
			cut++
		}
		r := pausedRun(t, ex, "cut", func() {
			if err := os.Truncate(csv, int64(cut)); err != nil {
				t.Fatal(err)
			}
		})
		line := bytes.Count(orig[:cut], []byte("\n")) + 1
		f.after(t, r, 1, fmt.Sprintf("daycare.csv:%d", line), nil, "")
	})
}

// TestFaultPostgresDropped reads the register from PostgreSQL through a proxy that cuts the
// connection after the server has sent some of the result: the run must fail with a clear
// error, exit 1, publish nothing and print neither the DSN nor a value. Needs PG_TEST_DSN
// (.ci/postgres.sh); skipped without it outside CI.
func TestFaultPostgresDropped(t *testing.T) {
	dsn := os.Getenv("PG_TEST_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PG_TEST_DSN is not set: .ci/postgres.sh must start a PostgreSQL cluster in CI")
		}
		t.Skip("PG_TEST_DSN not set: run `eval \"$(.ci/postgres.sh start)\"` for the postgres tests")
	}
	rows := 200000
	schema := pgRegister(t, dsn, rows)
	proxied, cut := cuttingProxy(t, dsn, 256<<10)
	ex := newExample(t)
	postgresJob(t, ex, "SX_FAULT_DSN", schema+".daycare")
	f := beforeFault(t, ex)
	r := runBin(t, []string{"SX_FAULT_DSN=" + proxied}, "run", "--config", ex.config, "--release", "pg1")
	if !cut.Load() {
		t.Fatalf("the proxy never cut the connection (exit %d): the result was smaller than the cut", r.code)
	}
	f.after(t, r, 1, "postgres", nil, "")
	// Nothing lost: the same read without a cut publishes.
	if n := runBin(t, []string{"SX_FAULT_DSN=" + dsn}, "run", "--config", ex.config, "--release", "pg2"); n.code != 0 {
		t.Errorf("the run without a cut: exit %d: %s", n.code, lastLine(n.stderr))
	} else if e, ok := checkState(ex).led.Find("daycare-enrolment", "pg2"); !ok || e.Input.RowsRead != int64(rows) {
		t.Errorf("the run without a cut read %d rows, want %d", e.Input.RowsRead, rows)
	}
	u, _ := url.Parse(proxied)
	pw, _ := u.User.Password()
	t.Logf("error: %s", lastLine(r.stderr))
	for _, secret := range []string{proxied, u.User.Username(), pw, u.Host, u.Port()} {
		if secret == "postgres" { // the test cluster's user is also the source type's name
			continue
		}
		if secret != "" && strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("the output holds a part of the DSN (%d chars)", len(secret))
		}
	}
}

// cuttingProxy forwards one TCP listener to the server of dsn and closes each connection once
// the server has sent after bytes to the client. It returns the DSN through the proxy and a
// flag set when a connection was cut.
func cuttingProxy(t *testing.T, dsn string, after int64) (string, *atomic.Bool) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Fatalf("PG_TEST_DSN is not a URL with a host")
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var cut atomic.Bool
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.Close() }()
			go func() {
				defer wg.Done()
				n, _ := io.CopyN(c, s, after)
				if n == after {
					cut.Store(true)
				}
				c.Close()
				s.Close()
			}()
		}
	}()
	p := *u
	p.Host = ln.Addr().String()
	return p.String(), &cut
}

// pgRegister creates a fresh schema holding a table daycare of rows rows with the example
// register's columns (valid HETUs of 898 persons born 1.1.2020) and returns the schema's name;
// the schema is dropped when the test ends.
func pgRegister(t *testing.T, dsn string, rows int) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("sx_fault_%d", time.Now().UnixNano())
	for _, s := range []string{
		`CREATE SCHEMA ` + schema,
		`CREATE TABLE ` + schema + `.daycare (hetu text, first_name text, last_name text, street text,
			postal_code text, unit text, monthly_fee numeric(8,2), hours numeric(4,1), start_date date,
			phone text, email text, notes text)`,
		// Valid HETUs (born 1.1.2020, individual numbers 002–899, with their check
		// characters), so the same table read without a cut publishes.
		fmt.Sprintf(`INSERT INTO `+schema+`.daycare SELECT
			'010120A' || n || substr('0123456789ABCDEFHJKLMNPRSTUVWXY', (('010120' || n)::bigint %% 31)::int + 1, 1),
			'F' || g, 'L' || g, 'S' || g, lpad((g %% 99999)::text, 5, '0'), 'Kastanja', 100.00, 30.0,
			DATE '2024-01-01', 'P' || g, 'E' || g, ''
			FROM generate_series(1, %d) g, LATERAL (SELECT lpad((2 + g %% 898)::text, 3, '0') AS n) x`, rows),
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("set up the test schema: %v", err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
	})
	return schema
}
