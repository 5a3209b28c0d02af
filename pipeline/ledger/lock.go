package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is how often Lock retries while waiting.
const lockRetry = 50 * time.Millisecond

// LockMode is the mode of a lock file Lock creates. 0600, not 0644: flock(2) needs only an open
// descriptor, and read access is enough to open one, so a lock file other accounts can read is
// a lock they can hold, stalling every run (exit 4) on the controller's ledger. Runs of one
// ledger share the controller's account, which 0600 serves. The file holds no data.
const LockMode os.FileMode = 0o600

// Lock takes an exclusive lock on ledgerPath+".lock" (flock(2): it works across processes and
// is released by the kernel when the holder dies, so no stale lock outlives a killed run). It
// creates the ledger's directory with mode 0700 if missing, and the lock file with LockMode.
//
// With wait <= 0 it tries once and returns an error wrapping ErrLocked at once if another
// holder has it; with wait > 0 it retries until the lock is free or wait has passed (then
// ErrLocked). The returned unlock releases the lock; the lock file stays (removing it would let
// two runs lock two different files).
func Lock(ledgerPath string, wait time.Duration) (unlock func() error, err error) {
	return LockContext(context.Background(), ledgerPath, wait)
}

// LockContext is Lock that also stops waiting when ctx is done (a run interrupted by SIGTERM
// or SIGINT while it waits), returning an error that wraps ctx.Err() and not ErrLocked.
func LockContext(ctx context.Context, ledgerPath string, wait time.Duration) (unlock func() error, err error) {
	lockPath := ledgerPath + ".lock"
	if err := os.MkdirAll(filepath.Dir(ledgerPath), 0o700); err != nil {
		return nil, fmt.Errorf("lock ledger %s: %w", ledgerPath, err)
	}
	fl := flock.New(lockPath, flock.SetPermissions(LockMode))
	var ok bool
	if wait <= 0 {
		ok, err = fl.TryLock()
	} else {
		wctx, cancel := context.WithTimeout(ctx, wait)
		ok, err = fl.TryLockContext(wctx, lockRetry)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			ok, err = false, nil
		}
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("lock ledger %s: interrupted while waiting: %w", lockPath, cerr)
		}
		return nil, fmt.Errorf("lock ledger %s: %w", lockPath, err)
	}
	if !ok {
		if wait > 0 {
			return nil, fmt.Errorf("lock %s (waited %s): %w", lockPath, wait, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath, ErrLocked)
	}
	return fl.Unlock, nil
}
