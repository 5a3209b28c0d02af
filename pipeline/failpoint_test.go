package pipeline

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestParseFailpoint(t *testing.T) {
	cases := []struct {
		in   string
		want failpointSpec
	}{
		{"", failpointSpec{hit: 1}},
		{"after-lock", failpointSpec{name: "after-lock", hit: 1}},
		{"after-table@2", failpointSpec{name: "after-table", hit: 2}},
		{"after-seal:pause", failpointSpec{name: "after-seal", hit: 1, pause: true}},
		{"read-batch@3:pause", failpointSpec{name: "read-batch", hit: 3, pause: true}},
		{"read-batch@0", failpointSpec{}},
		{"read-batch@x", failpointSpec{}},
	}
	for _, c := range cases {
		if got := parseFailpoint(c.in); got != c.want {
			t.Errorf("parseFailpoint(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// TestFailpointKills runs this test binary again with SXTEST_FAILPOINT set and checks that the
// named failpoint, at its N-th hit, kills the process with SIGKILL, and that other names and
// earlier hits do nothing.
func TestFailpointKills(t *testing.T) {
	if os.Getenv("SXTEST_FAILPOINT_CHILD") == "1" {
		failpoint(fpAfterLock)
		failpoint(fpAfterTable)
		os.Stdout.WriteString("passed-first-table\n")
		failpoint(fpAfterTable)
		os.Stdout.WriteString("passed-second-table\n")
		return
	}
	for _, c := range []struct {
		fp, wantOut string
		killed      bool
	}{
		{"after-table@2", "passed-first-table\n", true},
		{"after-table", "", true},
		{"after-commit", "passed-first-table\npassed-second-table\n", false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestFailpointKills$")
		cmd.Env = append(os.Environ(), "SXTEST_FAILPOINT_CHILD=1", "SXTEST_FAILPOINT="+c.fp)
		out, err := cmd.Output()
		got := string(out)
		if i := strings.Index(got, "PASS"); i >= 0 {
			got = got[:i]
		}
		killed := false
		if ee, ok := err.(*exec.ExitError); ok {
			ws, _ := ee.Sys().(syscall.WaitStatus)
			killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
		if killed != c.killed || got != c.wantOut {
			t.Errorf("%s: killed %v (want %v), output %q (want %q), err %v", c.fp, killed, c.killed, got, c.wantOut, err)
		}
	}
}
