package main

// The crash campaign (SPEC.md "Publication protocol"): real `statexport run` processes are
// killed with SIGKILL at every step of the protocol (pipeline's SXTEST_FAILPOINT failpoints) and
// at random moments, and interrupted with SIGTERM/SIGINT at every step; after each kill the
// output directories and the ledger are checked against the protocol's invariants, and the next
// run must proceed normally. The short versions run in CI; longer campaigns are opt-in:
//
//	go test ./cmd/statexport -run Crash -crash.rounds=10 -crash.kills=1000
//
// Nothing here is random in what it accepts: the seed (printed, -crash.seed to replay) only
// chooses which release ids, layouts and kill moments are tried, so there are no false alarms.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/pipeline/ledger"
)

var (
	crashRounds = flag.Int("crash.rounds", 2, "TestCrashFailpoints: rounds of kills at every failpoint (each round: every failpoint × 2 output layouts)")
	crashKills  = flag.Int("crash.kills", 24, "TestCrashRandom: random-time SIGKILLs over a 200k-row register")
	crashSeed   = flag.Uint64("crash.seed", 0, "seed of the crash campaign's choices (0: from the clock; printed)")
	crashRows   = flag.Int("crash.rows", 200000, "TestCrashRandom: rows of the generated register")
)

// The failpoints of pipeline/failpoint.go in the order a run reaches them, as the crash tests
// use them: after-table is hit once per table (the example job has two).
var crashPoints = []string{"after-lock", "after-rollforward", "read-batch", "after-read",
	"after-aggregate", "after-stage", "after-table@1", "after-table@2", "after-scan",
	"after-report", "after-seal", "after-commit", "after-publish"}

// committedAt reports whether a run stopped at failpoint fp has passed the commit point.
func committedAt(fp string) bool { return fp == "after-commit" || fp == "after-publish" }

// The files of a complete release of the example job.
var releaseFiles = []string{"enrolment_by_area.parquet", "enrolment_by_unit_age.parquet", "report.html", "report.json"}

func campaignSeed(t *testing.T) uint64 {
	s := *crashSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -crash.seed=%d)", s, s)
	return s
}

// crashEnv makes room in the budget for thousands of releases (ε 0.01 of 1000 per period).
var crashEnv = []string{"STATEXPORT_PRIVACY_EPSILON=0.01", "STATEXPORT_BUDGET_EPSILON_PER_PERIOD=1000"}

// layout is where releases land: each in its own directory (the example's out/{job}/{release}),
// or all in one directory that each release replaces as a whole.
type layout struct {
	name  string
	fixed bool
}

var layouts = []layout{{"per-release", false}, {"fixed", true}}

func (l layout) env(ex example) []string {
	env := slices.Clone(crashEnv)
	if l.fixed {
		env = append(env, "STATEXPORT_OUTPUT_DIR="+filepath.Join(ex.out, "current"))
	}
	return env
}

func (l layout) dir(ex example, release string) string {
	if l.fixed {
		return filepath.Join(ex.out, "current")
	}
	return filepath.Join(ex.out, release)
}

// proc is a running statexport process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	paused         chan struct{} // closed when stderr shows the failpoint's pause marker
	done           chan struct{}
	status         syscall.WaitStatus
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startBin starts the binary with env added to the cleaned environment.
func startBin(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, paused: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if strings.HasPrefix(line, "SXTEST failpoint ") {
				once.Do(func() { close(p.paused) })
			}
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		_ = p.cmd.Wait()
		pw.Close()
		p.status, _ = p.cmd.ProcessState.Sys().(syscall.WaitStatus)
		close(p.done)
	}()
	return p
}

// wait waits for the process (at most a minute) and returns its result; code is -1 when a
// signal ended it.
func (p *proc) wait(t *testing.T) (result, syscall.Signal) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("statexport did not finish within a minute")
	}
	time.Sleep(5 * time.Millisecond) // let the stderr reader drain
	r := result{code: p.status.ExitStatus(), stdout: p.stdout.String(), stderr: p.stderr.String()}
	if p.status.Signaled() {
		return r, p.status.Signal()
	}
	return r, 0
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// shaCache remembers file hashes by inode, size and modification time: published files are
// never changed in place, only renamed, and the long campaigns check thousands of them again
// after every kill.
var shaCache = struct {
	sync.Mutex
	m map[[4]int64]string
}{m: map[[4]int64]string{}}

// fileSHA returns the hex sha256 of the file at path, "" if it cannot be read.
func fileSHA(path string) string {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	var key [4]int64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		key = [4]int64{int64(st.Dev), int64(st.Ino), fi.Size(), fi.ModTime().UnixNano()}
		shaCache.Lock()
		sum, hit := shaCache.m[key]
		shaCache.Unlock()
		if hit {
			return sum
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sum := sha256Hex(b)
	if key != [4]int64{} && time.Since(fi.ModTime()) > 50*time.Millisecond {
		shaCache.Lock()
		shaCache.m[key] = sum
		shaCache.Unlock()
	}
	return sum
}

// state is what the invariant checker found.
type state struct {
	led        *ledger.Ledger
	lines      int
	visible    map[string]string       // visible release directory (base name) → its report.json sha256
	latest     map[string]ledger.Entry // output dir → the ledger's latest entry for it
	hidden     []string                // hidden entries of the output parent
	violations []string
}

// pending reports whether job's release is committed but not in place: the ledger's latest
// entry for its output directory, not visible there (so a killed run left it staged).
func (s state) pending(release string) bool {
	e, ok := s.led.Find("daycare-enrolment", release)
	return ok && s.latest[e.OutputDir].Release == release && !s.published(e.OutputDir, e.ReportSHA256)
}

// published reports whether the release with report hash sha is visible in dir.
func (s state) published(dir, sha string) bool {
	return sha != "" && s.visible[filepath.Base(dir)] == sha
}

// checkState inspects the ledger and the output parent and lists every violation of the
// publication protocol's invariants. Messages name release directories and files, never a
// value from the register.
//
//   - The ledger ends with a newline (no partial line), reads with an intact hash chain and
//     holds each (job, release) at most once.
//   - Every visible entry of the output parent is a complete release: exactly the job's files,
//     modes 0755/0644, every table's sha256 as its report.json says (no mix of two releases),
//     and a report.json whose sha256 is the ledger's for that directory: the latest entry, or
//     the one before it while the latest is still staged (committed, not yet moved in place).
//   - Hidden entries are only .<base>.staging and .<base>.old; one that holds no committed
//     release (nor the remains of a published one being removed) is readable by its owner only
//     (0700): nothing whose budget was not spent is visible to readers.
//   - No committed release is lost: the latest entry of each directory is in place or staged.
func checkState(ex example) state {
	var s state
	add := func(format string, args ...any) { s.violations = append(s.violations, fmt.Sprintf(format, args...)) }
	raw, err := os.ReadFile(ex.ledger)
	if err != nil && !os.IsNotExist(err) {
		add("ledger unreadable: %v", err)
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		add("the ledger ends with a partial line (%d bytes)", len(raw)-1-bytes.LastIndexByte(raw, '\n'))
	}
	s.led, err = ledger.Read(ex.ledger)
	if err != nil {
		add("ledger: %v", err)
		return s
	}
	s.lines = len(s.led.Entries)
	seen := map[string]bool{}
	latest := map[string]ledger.Entry{}   // output dir → its latest entry
	previous := map[string]ledger.Entry{} // output dir → the entry before it
	committed := map[string]bool{}        // report sha256 of every entry
	for _, e := range s.led.Entries {
		k := e.Job + "\x00" + e.Release
		if seen[k] {
			add("the ledger holds release %s twice", e.Release)
		}
		seen[k] = true
		if l, ok := latest[e.OutputDir]; ok {
			previous[e.OutputDir] = l
		}
		latest[e.OutputDir] = e
		committed[e.ReportSHA256] = true
	}
	s.visible = map[string]string{}
	s.latest = latest
	entries, err := os.ReadDir(ex.out)
	if err != nil && !os.IsNotExist(err) {
		add("output parent unreadable: %v", err)
	}
	staged := map[string]string{} // base → report sha256 in .<base>.staging
	for _, de := range entries {
		name := de.Name()
		path := filepath.Join(ex.out, name)
		if strings.HasPrefix(name, ".") {
			s.hidden = append(s.hidden, name)
			base, ok := strings.CutSuffix(name, ".staging")
			if !ok {
				base, ok = strings.CutSuffix(name, ".old")
			}
			if !ok || base == "." || !de.IsDir() {
				add("unexpected hidden entry %s in the output parent", name)
				continue
			}
			sum := fileSHA(filepath.Join(path, "report.json"))
			if strings.HasSuffix(name, ".staging") {
				staged[base[1:]] = sum
			}
			if committed[sum] {
				// A committed release (pending, or one being replaced): its budget is spent.
				rememberPublished(path)
				continue
			}
			fi, err := os.Stat(path)
			if err == nil && fi.Mode().Perm()&0o077 != 0 && !allPublished(path) {
				add("%s holds no committed release but has mode %o: readable by others", name, fi.Mode().Perm())
			}
			continue
		}
		if !de.IsDir() {
			add("visible non-directory %s in the output parent", name)
			continue
		}
		sum := fileSHA(filepath.Join(path, "report.json"))
		s.visible[name] = sum
		checkRelease(path, add)
		rememberPublished(path)
		l, ok := latest[path]
		switch {
		case !ok:
			add("visible release %s has no ledger entry", name)
		case l.ReportSHA256 == sum:
		case previous[path].ReportSHA256 == sum && sum != "":
			// the latest is committed but not yet in place: it must be staged (checked below)
		default:
			add("visible release %s is not the ledger's release for that directory", name)
		}
	}
	for dir, e := range latest {
		base := filepath.Base(dir)
		if filepath.Dir(dir) != ex.out {
			continue
		}
		if s.visible[base] != e.ReportSHA256 && staged[base] != e.ReportSHA256 {
			add("committed release %s (directory %s) is neither published nor staged: lost", e.Release, base)
		}
	}
	sort.Strings(s.hidden)
	return s
}

// published holds the sha256 of every file seen in a published or committed release: a
// replaced release that a killed run was removing (its report.json may already be gone) is
// recognised by its remaining files.
var published = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

func rememberPublished(dir string) {
	des, _ := os.ReadDir(dir)
	published.Lock()
	defer published.Unlock()
	for _, de := range des {
		if sum := fileSHA(filepath.Join(dir, de.Name())); sum != "" {
			published.m[sum] = true
		}
	}
}

// allPublished reports whether every file in dir is one seen in a published release.
func allPublished(dir string) bool {
	des, _ := os.ReadDir(dir)
	published.Lock()
	defer published.Unlock()
	for _, de := range des {
		if !published.m[fileSHA(filepath.Join(dir, de.Name()))] {
			return false
		}
	}
	return true
}

// checkRelease checks that dir holds exactly a complete release with the published modes and
// the table hashes its report.json names.
func checkRelease(dir string, add func(string, ...any)) {
	name := filepath.Base(dir)
	des, err := os.ReadDir(dir)
	if err != nil {
		add("visible release %s unreadable: %v", name, err)
		return
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
		fi, err := de.Info()
		if err == nil && fi.Mode().Perm() != 0o644 {
			add("visible release %s: %s has mode %o, want 644", name, de.Name(), fi.Mode().Perm())
		}
	}
	if !slices.Equal(got, releaseFiles) {
		add("visible release %s holds %v, want %v", name, got, releaseFiles)
		return
	}
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm() != 0o755 {
		add("visible release %s has mode %o, want 755", name, fi.Mode().Perm())
	}
	var rep struct {
		Tables []struct {
			Path, SHA256 string
		}
		HTML *string `json:"report_html_sha256"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil {
		add("visible release %s: report.json unreadable", name)
		return
	}
	for _, tb := range rep.Tables {
		if fileSHA(filepath.Join(dir, tb.Path)) != tb.SHA256 {
			add("visible release %s: %s is not the table its report names (a mix of releases)", name, tb.Path)
		}
	}
	if rep.HTML == nil || fileSHA(filepath.Join(dir, "report.html")) != *rep.HTML {
		add("visible release %s: report.html is not the one its report names", name)
	}
}

// visibleSnapshot hashes every visible (non-hidden) file under the output parent.
func visibleSnapshot(t *testing.T, ex example) map[string]string {
	m := map[string]string{}
	entries, _ := os.ReadDir(ex.out)
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		_ = filepath.WalkDir(filepath.Join(ex.out, de.Name()), func(path string, d os.DirEntry, err error) error {
			switch {
			case err != nil:
				m[path] = "unreadable"
			case d.IsDir():
				m[path] = "dir"
			default:
				m[path] = fileSHA(path)
			}
			return nil
		})
	}
	return m
}

// campaign counts what a crash test did, for its log line.
type campaign struct {
	mu         sync.Mutex
	kills      map[string]int
	violations int
	rolled     int // committed releases the next run published
	leftovers  int // hidden staging directories of other releases left after the next run
	completed  int // runs that finished before their random kill
}

func newCampaign() *campaign { return &campaign{kills: map[string]int{}} }

func (c *campaign) fail(t *testing.T, when string, v []string) {
	t.Helper()
	c.mu.Lock()
	c.violations += len(v)
	c.mu.Unlock()
	for _, s := range v {
		t.Errorf("%s: %s", when, s)
	}
}

func (c *campaign) report(t *testing.T, what string) {
	var names []string
	total := 0
	for k, n := range c.kills {
		names = append(names, fmt.Sprintf("%s=%d", k, n))
		total += n
	}
	sort.Strings(names)
	t.Logf("%s: %d stopped runs (%s), %d runs finished before the kill; committed releases published by the next run: %d; "+
		"staging directories left at the end by killed runs of releases never run again: %d; invariant violations: %d",
		what, total, strings.Join(names, " "), c.completed, c.rolled, c.leftovers, c.violations)
}

// summaryRelease returns the release of run's one JSON line on stdout, or "" if there is none.
func summaryRelease(stdout string) string {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		return ""
	}
	var s struct{ Release string }
	if json.Unmarshal([]byte(lines[0]), &s) != nil {
		return ""
	}
	return s.Release
}

// nextRun runs release normally after a kill and checks its exit code against what the
// ledger says: 0 for a new release or one a killed run committed but did not publish (the
// roll-forward publishes it and the run exits 0), 3 for one already published.
func nextRun(t *testing.T, c *campaign, ex example, l layout, release, killed string) {
	t.Helper()
	before := checkState(ex)
	_, committed := before.led.Find("daycare-enrolment", release)
	pendingKilled := before.pending(killed)
	want := 0
	if committed && !before.pending(release) {
		want = 3
	}
	r := runBin(t, l.env(ex), "run", "--config", ex.config, "--release", release)
	when := fmt.Sprintf("%s: next run of %s after the kill of %s", l.name, release, killed)
	if r.code != want {
		c.fail(t, when, []string{fmt.Sprintf("exit %d, want %d: %s", r.code, want, lastLine(r.stderr))})
	}
	if want == 0 && summaryRelease(r.stdout) != release {
		c.fail(t, when, []string{"stdout is not the release's one JSON summary line"})
	}
	after := checkState(ex)
	c.fail(t, when, after.violations)
	if pendingKilled {
		c.mu.Lock()
		c.rolled++
		c.mu.Unlock()
		if !strings.Contains(r.stderr, "published a release a killed run had committed") {
			c.fail(t, when, []string{"the committed release of the killed run was not rolled forward"})
		}
		if ke, _ := after.led.Find("daycare-enrolment", killed); !l.fixed && !after.published(l.dir(ex, killed), ke.ReportSHA256) {
			c.fail(t, when, []string{"the committed release of the killed run is not published"})
		}
	}
	if want == 0 {
		if e, ok := after.led.Find("daycare-enrolment", release); !ok || !after.published(l.dir(ex, release), e.ReportSHA256) {
			c.fail(t, when, []string{"the release is not published with its ledger entry"})
		}
	}
	base := filepath.Base(l.dir(ex, release))
	for _, h := range after.hidden {
		if h == "."+base+".staging" || h == "."+base+".old" {
			c.fail(t, when, []string{"the run left " + h + " behind"})
		}
	}
}

// countLeftovers adds the hidden entries left in the output parent at the end of a campaign:
// staging directories of killed runs whose release was never run again (private, see
// checkState, but never removed).
func (c *campaign) countLeftovers(ex example) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leftovers += len(checkState(ex).hidden)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// TestCrashFailpoints kills runs with SIGKILL at every failpoint, in both output layouts, with
// a ledger that keeps growing; after each kill it checks the invariants and what the kill may
// have changed (nothing visible and no ledger line before the commit point; the ledger line
// and a staged release at it; the published release after it), then runs again — the same
// release or another one — and checks that run.
func TestCrashFailpoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(campaignSeed(t), 1))
	c := newCampaign()
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			ex := newExample(t)
			n := 0
			for round := 0; round < *crashRounds; round++ {
				for _, fp := range crashPoints {
					n++
					release := fmt.Sprintf("k%d", n)
					before := checkState(ex)
					vis := visibleSnapshot(t, ex)
					env := append(l.env(ex), "SXTEST_FAILPOINT="+fp)
					r, sig := startBin(t, env, "run", "--config", ex.config, "--release", release).wait(t)
					when := fmt.Sprintf("%s: kill at %s (release %s)", l.name, fp, release)
					if sig != syscall.SIGKILL {
						t.Fatalf("%s: the run was not killed (exit %d): %s", when, r.code, lastLine(r.stderr))
					}
					c.kills[fp]++
					s := checkState(ex)
					c.fail(t, when, s.violations)
					e, inLedger := s.led.Find("daycare-enrolment", release)
					var v []string
					switch {
					case !committedAt(fp):
						if inLedger || s.lines != before.lines {
							v = append(v, "a ledger line was written before the commit point")
						}
						if !maps2Equal(vis, visibleSnapshot(t, ex)) {
							v = append(v, "visible outputs changed before the commit point")
						}
					case fp == "after-commit":
						if !inLedger || s.lines != before.lines+1 {
							v = append(v, "the committed release has no ledger line")
						}
						if !maps2Equal(vis, visibleSnapshot(t, ex)) {
							v = append(v, "visible outputs changed before the move into place")
						}
					default:
						if !inLedger || !s.published(l.dir(ex, release), e.ReportSHA256) {
							v = append(v, "the release is not published after the publish step")
						}
					}
					c.fail(t, when, v)
					next := release
					if rng.IntN(2) == 0 {
						n++
						next = fmt.Sprintf("k%d", n)
					}
					nextRun(t, c, ex, l, next, release)
				}
			}
			c.countLeftovers(ex)
			// The ledger's chain is intact for `budget`, and every visible release audits.
			if r := runBin(t, nil, "budget", "--ledger", ex.ledger); r.code != 0 {
				t.Errorf("budget: exit %d: %s", r.code, lastLine(r.stderr))
			}
			entries, _ := os.ReadDir(ex.out)
			for _, de := range entries {
				if strings.HasPrefix(de.Name(), ".") {
					continue
				}
				if r := runBin(t, nil, "audit", filepath.Join(ex.out, de.Name(), "report.json")); r.code != 0 {
					t.Errorf("audit of %s: exit %d:\n%s%s", de.Name(), r.code, r.stdout, lastLine(r.stderr))
				}
			}
		})
	}
	c.report(t, "failpoint kills")
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestCrashInterrupt sends SIGTERM or SIGINT to a run paused at each failpoint: before the
// commit point the run must clean up and exit non-zero with no ledger line and nothing
// visible; from the commit point on it must finish publishing (exit 0).
func TestCrashInterrupt(t *testing.T) {
	c := newCampaign()
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			ex := newExample(t)
			if r := runBin(t, l.env(ex), "run", "--config", ex.config, "--release", "base"); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, lastLine(r.stderr))
			}
			for i, fp := range crashPoints {
				sig := []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}[i%2]
				release := fmt.Sprintf("i%d", i)
				before := checkState(ex)
				vis := visibleSnapshot(t, ex)
				p := startBin(t, append(l.env(ex), "SXTEST_FAILPOINT="+fp+":pause"), "run", "--config", ex.config, "--release", release)
				select {
				case <-p.paused:
				case <-p.done:
				case <-time.After(30 * time.Second):
				}
				p.cmd.Process.Signal(sig)
				r, killed := p.wait(t)
				when := fmt.Sprintf("%s: %v at %s", l.name, sig, fp)
				c.kills[fp]++
				if killed != 0 {
					t.Fatalf("%s: the run died of %v instead of handling it", when, killed)
				}
				s := checkState(ex)
				c.fail(t, when, s.violations)
				e, inLedger := s.led.Find("daycare-enrolment", release)
				var v []string
				if !committedAt(fp) {
					if r.code == 0 {
						v = append(v, "exit 0 for an interrupted run")
					}
					if inLedger || s.lines != before.lines {
						v = append(v, "a ledger line was written")
					}
					if !maps2Equal(vis, visibleSnapshot(t, ex)) {
						v = append(v, "visible outputs changed")
					}
					if !strings.Contains(r.stderr, "interrupted") {
						v = append(v, "stderr does not say the run was interrupted")
					}
				} else {
					if r.code != 0 {
						v = append(v, fmt.Sprintf("exit %d after the commit point, want 0 (finish publishing): %s", r.code, lastLine(r.stderr)))
					}
					if !inLedger || !s.published(l.dir(ex, release), e.ReportSHA256) {
						v = append(v, "the committed release is not published")
					}
				}
				if len(s.hidden) != 0 {
					v = append(v, fmt.Sprintf("left hidden entries %v", s.hidden))
				}
				c.fail(t, when, v)
			}
			// and the next run proceeds normally
			nextRun(t, c, ex, l, "after", "")
		})
	}
	c.report(t, "interruptions")
}

// randomPhase is the brief's name of the step a run was in when its trace ended with fp.
func randomPhase(last string) string {
	switch last {
	case "":
		return "starting"
	case "after-lock", "after-rollforward", "read-batch":
		return "reading"
	case "after-read":
		return "aggregating"
	case "after-aggregate", "after-stage", "after-table":
		return "writing-tables"
	case "after-scan", "after-report":
		return "writing-report"
	case "after-seal":
		return "appending-ledger"
	case "after-commit":
		return "publishing"
	case "after-publish":
		return "finishing"
	}
	return "unknown"
}

// readTrace returns the failpoints a run reached, in order, with their times.
func readTrace(path string) (names []string, micros []int64) {
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		name, us, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(us, 10, 64)
		names = append(names, name)
		micros = append(micros, n)
	}
	return names, micros
}

// bigExample is the example job over a generated register of rows rows (same columns and
// dialect as the example's).
func bigExample(t *testing.T, rows int) example {
	t.Helper()
	ex := newExample(t)
	f, err := os.Create(filepath.Join(ex.tmp, "repo/registers/daycare.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := synth.WriteCSV(w, synth.Options{Seed: 11, Rows: rows}, synth.DialectFI); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return ex
}

// TestCrashRandom kills runs over a larger register at random moments, aimed at each step in
// turn from a traced calibration run (the trace of each killed run tells the step it was
// really in). Kills follow each other without a clean run in between half of the time, so
// runs are also killed while they roll a committed release forward.
func TestCrashRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(campaignSeed(t), 2))
	c := newCampaign()
	ex := bigExample(t, *crashRows)
	kills := *crashKills
	for li, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			// Calibrate: when does a run reach each step?
			trace := filepath.Join(ex.tmp, "trace-calibrate-"+l.name)
			start := time.Now()
			r := runBin(t, append(l.env(ex), "SXTEST_TRACE="+trace), "run", "--config", ex.config, "--release", "cal-"+l.name)
			total := time.Since(start)
			if r.code != 0 {
				t.Fatalf("calibration run: exit %d: %s", r.code, lastLine(r.stderr))
			}
			names, micros := readTrace(trace)
			if len(names) < 10 {
				t.Fatalf("calibration trace has %d steps", len(names))
			}
			// windows[i] = [start, end) in µs since the process started; index 0 is the
			// start-up before the lock.
			bounds := append([]int64{0}, micros...)
			bounds = append(bounds, max(total.Microseconds(), micros[len(micros)-1]+1000))
			anchor := slices.Index(names, "after-read") + 1 // bounds index of the anchor
			if anchor == 0 {
				t.Fatalf("calibration trace lacks after-read: %v", names)
			}
			traceOf := func(k int) string { return filepath.Join(ex.tmp, fmt.Sprintf("trace-%d", k)) }
			t.Logf("calibration: %v at %v µs, exit after %v", names, micros, total.Round(time.Millisecond))
			last := ""
			for k := li; k < kills; k += len(layouts) {
				release := fmt.Sprintf("x%d", k)
				if last != "" && rng.IntN(3) == 0 {
					release = last // a retry of the killed release
				}
				// Aim at a step: the start-up and reading windows are timed from the start;
				// later ones (a few ms each) from the moment a run paused after reading is
				// let go, which takes the start-up's jitter out of the aim.
				w := rng.IntN(len(bounds) - 1)
				lo, hi := bounds[w], bounds[w+1]
				env := append(l.env(ex), "SXTEST_TRACE="+traceOf(k))
				anchored := w > anchor
				if anchored {
					lo, hi = lo-bounds[anchor], hi-bounds[anchor]
					env = append(env, "SXTEST_FAILPOINT=after-read:pause")
				}
				at := time.Duration(lo+rng.Int64N(max(hi-lo, 1))) * time.Microsecond
				p := startBin(t, env, "run", "--config", ex.config, "--release", release)
				if anchored {
					select {
					case <-p.paused:
						p.cmd.Process.Signal(syscall.SIGUSR1)
					case <-p.done:
					case <-time.After(30 * time.Second):
					}
				}
				time.Sleep(at)
				p.cmd.Process.Signal(syscall.SIGKILL)
				r, sig := p.wait(t)
				reached, _ := readTrace(traceOf(k))
				os.Remove(traceOf(k))
				when := fmt.Sprintf("%s: random kill %d (release %s, aimed %v into the run)", l.name, k, release, at.Round(time.Microsecond))
				if sig == syscall.SIGKILL {
					lastName := ""
					if len(reached) > 0 {
						lastName = reached[len(reached)-1]
					}
					c.kills[randomPhase(lastName)]++
				} else {
					c.completed++
					if r.code != 0 && r.code != 3 {
						c.fail(t, when, []string{fmt.Sprintf("the run finished before the kill with exit %d: %s", r.code, lastLine(r.stderr))})
					}
				}
				c.fail(t, when, checkState(ex).violations)
				last = release
				if rng.IntN(2) == 0 {
					next := release
					if rng.IntN(2) == 0 {
						next = fmt.Sprintf("x%d-next", k)
					}
					nextRun(t, c, ex, l, next, release)
				}
			}
			nextRun(t, c, ex, l, "final-"+l.name, last)
			c.countLeftovers(ex)
		})
	}
	c.report(t, "random kills")
}

// TestCrashLedgerTamper: a ledger line edited or removed by hand is detected by the hash chain
// (`budget` exits 5, `run` refuses to extend the ledger and publishes nothing); a removed last
// line is detected by auditing that release's report; a torn last line (a write cut short) is
// not a commit, and the next run truncates it and proceeds.
func TestCrashLedgerTamper(t *testing.T) {
	setup := func(t *testing.T) (example, []string) {
		ex := newExample(t)
		for _, rel := range []string{"t1", "t2", "t3"} {
			if r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", rel); r.code != 0 {
				t.Fatalf("run %s: exit %d: %s", rel, r.code, lastLine(r.stderr))
			}
		}
		lines := readLines(t, ex.ledger)
		if len(lines) != 3 {
			t.Fatalf("ledger has %d lines, want 3", len(lines))
		}
		return ex, lines
	}
	write := func(t *testing.T, ex example, lines []string) {
		writeString(t, ex.ledger, strings.Join(lines, "\n")+"\n")
	}
	refusedToExtend := func(t *testing.T, ex example, wantLine string) {
		t.Helper()
		if r := runBin(t, nil, "budget", "--ledger", ex.ledger); r.code != 5 || !strings.Contains(r.stderr+r.stdout, wantLine) {
			t.Errorf("budget: exit %d, want 5 naming %s: %s", r.code, wantLine, lastLine(r.stderr))
		}
		before := snapshot(t, ex.tmp)
		r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", "t4")
		if r.code == 0 || !strings.Contains(r.stderr, wantLine) {
			t.Errorf("run over a tampered ledger: exit %d, want non-zero naming %s: %s", r.code, wantLine, lastLine(r.stderr))
		}
		if !sameSnapshot(before, snapshot(t, ex.tmp)) {
			t.Errorf("a run over a tampered ledger changed files")
		}
	}
	t.Run("edited line", func(t *testing.T) {
		ex, lines := setup(t)
		// Lower the epsilon spent by release t2, as someone hiding a release might.
		edited := strings.Replace(lines[1], `"epsilon":0.01,`, `"epsilon":0.001,`, 1)
		if edited == lines[1] {
			t.Fatal("ledger line lacks the epsilon to edit")
		}
		lines[1] = edited
		write(t, ex, lines)
		refusedToExtend(t, ex, "line 3") // t3's prev_sha256 no longer matches
	})
	t.Run("removed middle line", func(t *testing.T) {
		ex, lines := setup(t)
		write(t, ex, append(lines[:1:1], lines[2]))
		refusedToExtend(t, ex, "line 2")
	})
	t.Run("removed last line", func(t *testing.T) {
		ex, lines := setup(t)
		write(t, ex, lines[:2])
		r := runBin(t, nil, "audit", filepath.Join(ex.out, "t3", "report.json"))
		if r.code != 5 {
			t.Errorf("audit of the release whose line was removed: exit %d, want 5:\n%s", r.code, r.stdout)
		}
		if r := runBin(t, nil, "audit", filepath.Join(ex.out, "t2", "report.json")); r.code != 0 {
			t.Errorf("audit of an intact release: exit %d, want 0:\n%s", r.code, r.stdout)
		}
	})
	t.Run("torn last line", func(t *testing.T) {
		ex, lines := setup(t)
		torn := strings.Join(lines, "\n") + "\n" + lines[2][:len(lines[2])/2]
		writeString(t, ex.ledger, torn)
		r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", "t4")
		if r.code != 0 {
			t.Fatalf("run after a torn append: exit %d: %s", r.code, lastLine(r.stderr))
		}
		s := checkState(ex)
		for _, v := range s.violations {
			t.Error(v)
		}
		if s.lines != 4 {
			t.Errorf("ledger has %d entries, want 4", s.lines)
		}
	})
}
