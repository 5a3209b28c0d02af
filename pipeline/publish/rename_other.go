//go:build !linux

package publish

import (
	"fmt"
	"os"
)

// renameNoReplace renames from to to, failing if to exists (checked, not atomic: SPEC.md
// supports Linux only; this keeps the package building elsewhere).
func renameNoReplace(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("rename %s: %s exists", from, to)
	}
	return os.Rename(from, to)
}

// exchange is unavailable outside Linux; Publish falls back to two renames.
func exchange(a, b string) (bool, error) { return false, nil }
