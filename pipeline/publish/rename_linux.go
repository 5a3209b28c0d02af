//go:build linux

package publish

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// unsupported reports whether renameat2 failed because the kernel or file system lacks the flag.
func unsupported(err error) bool {
	return errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL)
}

// renameNoReplace renames from to to, failing if to exists.
func renameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if unsupported(err) {
		// Under the ledger's lock nothing else creates to between Publish's check and here.
		if _, serr := os.Lstat(to); serr == nil {
			return fmt.Errorf("rename %s: %s exists", from, to)
		}
		return os.Rename(from, to)
	}
	if err != nil {
		return &os.LinkError{Op: "renameat2", Old: from, New: to, Err: err}
	}
	return nil
}

// exchange atomically swaps a and b. It returns false (and no error) when the file system
// cannot, leaving both in place.
func exchange(a, b string) (bool, error) {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if unsupported(err) {
		return false, nil
	}
	if err != nil {
		return false, &os.LinkError{Op: "renameat2 exchange", Old: a, New: b, Err: err}
	}
	return true, nil
}
