package ledger

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// helperEnv makes the test binary, re-executed as a child, hold a lock (TestLockHelperProcess).
const helperEnv = "STATEXPORT_LEDGER_LOCK_HELPER"

// TestLockHelperProcess is not a test: run by startHolder in a child process, it takes the
// lock on the ledger named by helperEnv, says "locked" on stdout, and holds the lock until its
// stdin closes.
func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	unlock, err := Lock(path, 0)
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin)
	unlock()
	os.Exit(0)
}

// startHolder starts a child process holding the lock on path. Closing stdin releases it.
func startHolder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child did not take the lock: %q %v", line, err)
	}
	return cmd, stdin
}

func TestLockInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "ledger.jsonl")
	unlock, err := Lock(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{filepath.Dir(path), 0o700}, {path + ".lock", LockMode}} {
		st, err := os.Stat(c.path)
		if err != nil || st.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %v err %v, want %o", c.path, st.Mode().Perm(), err, c.mode)
		}
	}
	if _, err := Lock(path, 0); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: err = %v, want ErrLocked", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = Lock(path, 0)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}

func TestLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")

	t.Run("held: non-blocking fails at once", func(t *testing.T) {
		_, stdin := startHolder(t, path)
		start := time.Now()
		if _, err := Lock(path, 0); !errors.Is(err, ErrLocked) {
			t.Fatalf("err = %v, want ErrLocked", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("non-blocking lock took %v", d)
		}
		stdin.Close()
	})

	t.Run("held: waiting gives up after the wait", func(t *testing.T) {
		_, stdin := startHolder(t, path)
		start := time.Now()
		if _, err := Lock(path, 300*time.Millisecond); !errors.Is(err, ErrLocked) {
			t.Fatalf("err = %v, want ErrLocked", err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("gave up after %v, before the wait", d)
		}
		stdin.Close()
	})

	t.Run("waiting gets the lock when the holder releases it", func(t *testing.T) {
		cmd, stdin := startHolder(t, path)
		go func() { time.Sleep(200 * time.Millisecond); stdin.Close() }()
		unlock, err := Lock(path, 10*time.Second)
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		unlock()
		cmd.Wait()
	})

	t.Run("a killed holder's lock is released", func(t *testing.T) {
		cmd, _ := startHolder(t, path)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		unlock, err := Lock(path, 0)
		if err != nil {
			t.Fatalf("err = %v, want the lock", err)
		}
		unlock()
	})

	t.Run("the child cannot lock while the parent holds it", func(t *testing.T) {
		unlock, err := Lock(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out, _ := cmd.Output()
		if cmd.ProcessState.ExitCode() != 3 {
			t.Fatalf("child exit %d, output %q: want it refused", cmd.ProcessState.ExitCode(), out)
		}
	})
}
