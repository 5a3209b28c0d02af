package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestLockContextInterrupted is the regression test for a run that ignored SIGTERM while it
// waited for the lock: Lock waited the whole --wait duration whatever happened (found by
// cmd/statexport's TestConcurrentWaitInterrupted). LockContext stops when its context is
// cancelled, with an error wrapping context.Canceled and not ErrLocked.
func TestLockContextInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	unlock, err := Lock(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = LockContext(ctx, path, time.Minute)
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("LockContext waited %v after its context was cancelled", waited)
	}
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want one wrapping context.Canceled and not ErrLocked", err)
	}
	// A wait that times out is still ErrLocked.
	if _, err := LockContext(context.Background(), path, 200*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("timed-out wait: err = %v, want ErrLocked", err)
	}
}
