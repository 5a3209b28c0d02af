package main

// Concurrency (SPEC.md "Publication protocol" steps 1 and 3): runs racing on one ledger never
// publish more releases than the period's budget allows and never publish one release twice.
// Without --wait the losers exit 4 (lock held) or 3 (budget spent or id taken); with --wait
// exactly the releases that fit are published and the rest exit 3.
//
//	go test ./cmd/statexport -run Concurrent -conc.trials=50

import (
	"flag"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"
)

var concTrials = flag.Int("conc.trials", 4, "trials of each concurrency race")

// race starts n runs of ex at once, run i with release releaseOf(i) and the extra args, and
// returns their results.
func race(t *testing.T, ex example, env []string, n int, releaseOf func(int) string, extra ...string) []result {
	t.Helper()
	out := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			args := append([]string{"run", "--config", ex.config, "--release", releaseOf(i)}, extra...)
			out[i] = runBin(t, env, args...)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func codes(rs []result) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.code]++
	}
	return m
}

// checkRace checks the ledger and outputs after a race: at most fit releases (exactly fit when
// exact), every exit code allowed, each success published with its entry, the invariants.
func checkRace(t *testing.T, ex example, rs []result, fit int, exact bool, allowed ...int) {
	t.Helper()
	ok := map[int]bool{0: true}
	for _, c := range allowed {
		ok[c] = true
	}
	wins := 0
	for i, r := range rs {
		if !ok[r.code] {
			t.Errorf("run %d: exit %d, want one of %v: %s", i, r.code, allowed, lastLine(r.stderr))
		}
		if r.code == 0 {
			wins++
			if summaryRelease(r.stdout) == "" {
				t.Errorf("run %d: exit 0 without its summary line", i)
			}
		}
	}
	s := checkState(ex)
	for _, v := range s.violations {
		t.Error(v)
	}
	if wins > fit || exact && wins != fit {
		t.Errorf("%d runs published, budget fits %d (exit codes %v)", wins, fit, codes(rs))
	}
	if s.lines != wins {
		t.Errorf("ledger has %d entries, %d runs exited 0", s.lines, wins)
	}
	if len(s.visible) != wins {
		t.Errorf("%d releases visible, %d runs exited 0", len(s.visible), wins)
	}
}

// TestConcurrentRunsOneFits: two runs of different releases race for a budget that fits one:
// never both exit 0. Without --wait the loser exits 4 (it found the lock held) or 3 (it came
// second).
func TestConcurrentRunsOneFits(t *testing.T) {
	env := []string{"STATEXPORT_PRIVACY_EPSILON=1", "STATEXPORT_BUDGET_EPSILON_PER_PERIOD=1"}
	tally := map[int]int{}
	for trial := range *concTrials * 4 {
		ex := newExample(t)
		rs := race(t, ex, env, 2, func(i int) string { return fmt.Sprintf("t%d-%c", trial, 'a'+i) })
		checkRace(t, ex, rs, 1, false, 3, 4)
		for c, n := range codes(rs) {
			tally[c] += n
		}
	}
	t.Logf("one fits, no --wait: exit codes %v", tally)
}

// TestConcurrentRunsWait: eight runs with --wait race for a budget that fits three (0.5 each of
// 1.5, exact in decimal): exactly three publish and five exit 3. Then eight runs of one
// release id with --wait: exactly one publishes.
func TestConcurrentRunsWait(t *testing.T) {
	env := []string{"STATEXPORT_PRIVACY_EPSILON=0.5", "STATEXPORT_BUDGET_EPSILON_PER_PERIOD=1.5"}
	tally := map[int]int{}
	for trial := range *concTrials {
		ex := newExample(t)
		rs := race(t, ex, env, 8, func(i int) string { return fmt.Sprintf("w%d-%d", trial, i) }, "--wait", "2m")
		checkRace(t, ex, rs, 3, true, 3)
		for c, n := range codes(rs) {
			tally[c] += n
		}
		ex2 := newExample(t)
		rs = race(t, ex2, env, 8, func(int) string { return "same" }, "--wait", "2m")
		checkRace(t, ex2, rs, 1, true, 3)
	}
	t.Logf("three fit of eight, --wait: exit codes %v", tally)
	// Without --wait, many runs: at most three, the others 3 or 4.
	ex := newExample(t)
	rs := race(t, ex, env, 8, func(i int) string { return fmt.Sprintf("n%d", i) })
	checkRace(t, ex, rs, 3, false, 3, 4)
}

// TestConcurrentLockHolderKilled: while a run holds the lock others exit 4 at once (or wait);
// once the holder is killed, the kernel drops its lock and a waiting run proceeds.
func TestConcurrentLockHolderKilled(t *testing.T) {
	ex := newExample(t)
	p := startBin(t, append(slicesClone(crashEnv), "SXTEST_FAILPOINT=after-lock:pause"), "run", "--config", ex.config, "--release", "holder")
	select {
	case <-p.paused:
	case <-time.After(30 * time.Second):
		t.Fatal("the holder did not pause")
	}
	if r := runBin(t, crashEnv, "run", "--config", ex.config, "--release", "other"); r.code != 4 {
		t.Errorf("run while the lock is held: exit %d, want 4: %s", r.code, lastLine(r.stderr))
	}
	waiter := startBin(t, crashEnv, "run", "--config", ex.config, "--release", "waiter", "--wait", "1m")
	time.Sleep(300 * time.Millisecond)
	p.cmd.Process.Signal(syscall.SIGKILL)
	if _, sig := p.wait(t); sig != syscall.SIGKILL {
		t.Fatalf("the holder was not killed")
	}
	r, _ := waiter.wait(t)
	if r.code != 0 {
		t.Errorf("the waiting run: exit %d: %s", r.code, lastLine(r.stderr))
	}
	s := checkState(ex)
	for _, v := range s.violations {
		t.Error(v)
	}
	var got []string
	for _, e := range s.led.Entries {
		got = append(got, e.Release)
	}
	sort.Strings(got)
	if fmt.Sprint(got) != "[waiter]" {
		t.Errorf("ledger releases %v, want [waiter]", got)
	}
}

// TestConcurrentWaitInterrupted: a run waiting for the lock (--wait) that gets SIGTERM stops
// waiting at once, exits non-zero and writes nothing.
func TestConcurrentWaitInterrupted(t *testing.T) {
	ex := newExample(t)
	p := startBin(t, append(slicesClone(crashEnv), "SXTEST_FAILPOINT=after-lock:pause"), "run", "--config", ex.config, "--release", "holder")
	select {
	case <-p.paused:
	case <-time.After(30 * time.Second):
		t.Fatal("the holder did not pause")
	}
	defer func() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.wait(t)
	}()
	waiter := startBin(t, crashEnv, "run", "--config", ex.config, "--release", "waiter", "--wait", "1m")
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	waiter.cmd.Process.Signal(syscall.SIGTERM)
	r, sig := waiter.wait(t)
	if waited := time.Since(start); waited > 5*time.Second || sig != 0 || r.code == 0 {
		t.Errorf("SIGTERM while waiting for the lock: exit %d (signal %v) after %v, want a prompt non-zero exit", r.code, sig, waited.Round(time.Millisecond))
	}
	if n := len(readLines(t, ex.ledger)); n != 0 {
		t.Errorf("ledger has %d lines", n)
	}
}
