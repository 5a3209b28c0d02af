package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrCleanup marks an error removing a replaced release after the new one was published: the
// publication itself succeeded, and CleanStale removes the leftovers on the next run.
var ErrCleanup = errors.New("the replaced release could not be removed")

// ReportName is the file in a staged release whose sha256 the ledger records.
const ReportName = "report.json"

const (
	stagingSuffix = ".staging"
	oldSuffix     = ".old"
)

// names returns the parent, staging and old paths for outputDir.
func names(outputDir string) (parent, staging, old string, err error) {
	if outputDir == "" {
		return "", "", "", errors.New("publish: empty output directory")
	}
	clean := filepath.Clean(outputDir)
	parent, base := filepath.Split(clean)
	if base == "" || base == "." || base == ".." || clean == string(filepath.Separator) {
		return "", "", "", fmt.Errorf("publish: output directory %s: must name a directory below a parent", outputDir)
	}
	parent = filepath.Clean(parent)
	return parent, filepath.Join(parent, "."+base+stagingSuffix), filepath.Join(parent, "."+base+oldSuffix), nil
}

// StagingDir returns the staging directory's path for outputDir: <parent>/.<base>.staging.
func StagingDir(outputDir string) (string, error) {
	_, staging, _, err := names(outputDir)
	return staging, err
}

// Stage creates a fresh, empty staging directory for outputDir (mode 0700; missing parents are
// created with mode 0755 whatever the umask, so readers can reach the published release) and
// returns its path. A staging directory left by an earlier run is removed first: call Pending
// before Stage when a killed run's release may be waiting there.
func Stage(outputDir string) (string, error) {
	parent, staging, _, err := names(outputDir)
	if err != nil {
		return "", err
	}
	if err := mkdirAll0755(parent); err != nil {
		return "", fmt.Errorf("stage %s: %w", outputDir, err)
	}
	if err := os.RemoveAll(staging); err != nil {
		return "", fmt.Errorf("stage %s: remove stale %s: %w", outputDir, staging, err)
	}
	if err := os.Mkdir(staging, 0o700); err != nil {
		return "", fmt.Errorf("stage %s: %w", outputDir, err)
	}
	if err := os.Chmod(staging, 0o700); err != nil { // whatever the umask
		return "", fmt.Errorf("stage %s: %w", outputDir, err)
	}
	return staging, nil
}

// mkdirAll0755 is os.MkdirAll(dir, 0o755) that also sets mode 0755 on each directory it
// creates, which MkdirAll leaves to the umask. Existing directories keep their mode.
func mkdirAll0755(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Chmod(missing[i], 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Seal prepares a staging directory for publication: every regular file gets mode 0644 and is
// fsynced, then every directory below the staging directory gets mode 0755 and is fsynced, and
// so are the staging directory (which stays 0700) and its parent. After Seal the staged release
// survives a crash, which is what lets a release committed to the ledger be published by the
// next run; call it before the ledger commit. The staging directory itself is opened to 0755
// only by Publish, after the commit: a sealed release whose run dies before the commit holds
// noisy values whose budget was never spent, and must stay unreadable to anyone else. Seal is
// idempotent. A symbolic link or any other non-regular file is an error: a release holds only
// files and directories.
func Seal(staging string) error {
	var dirs []string
	err := filepath.WalkDir(staging, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			dirs = append(dirs, path)
			return nil
		case d.Type().IsRegular():
			if err := os.Chmod(path, 0o644); err != nil {
				return err
			}
			return syncPath(path)
		default:
			return fmt.Errorf("%s: not a regular file or directory", path)
		}
	})
	if err != nil {
		return fmt.Errorf("seal %s: %w", staging, err)
	}
	// Deepest first; dirs[0], the staging directory itself, stays 0700 until Publish.
	for i := len(dirs) - 1; i >= 0; i-- {
		mode := os.FileMode(0o755)
		if i == 0 {
			mode = 0o700
		}
		if err := os.Chmod(dirs[i], mode); err != nil {
			return fmt.Errorf("seal %s: %w", staging, err)
		}
		if err := syncPath(dirs[i]); err != nil {
			return fmt.Errorf("seal %s: %w", staging, err)
		}
	}
	if err := syncPath(filepath.Dir(filepath.Clean(staging))); err != nil {
		return fmt.Errorf("seal %s: sync parent: %w", staging, err)
	}
	return nil
}

// Publish opens the sealed staging directory of outputDir to mode 0755 (Seal leaves it 0700)
// and moves it into place in one atomic step, fsyncing the parent directory after each step:
//
//   - outputDir missing: renameat2(RENAME_NOREPLACE) staging → outputDir.
//   - outputDir an existing directory: renameat2(RENAME_EXCHANGE) swaps the two, so readers
//     resolving outputDir see the old release or the new one, never a mix and never nothing;
//     the old release, now at the staging path, is renamed to <parent>/.<base>.old and removed.
//
// If the file system lacks RENAME_EXCHANGE, Publish falls back to two renames (outputDir →
// .old, staging → outputDir): readers may then briefly find no outputDir, but still never a mix.
// staging must be StagingDir(outputDir). An error removing the replaced release wraps
// ErrCleanup: the new release is in place.
func Publish(staging, outputDir string) error {
	parent, want, old, err := names(outputDir)
	if err != nil {
		return err
	}
	if filepath.Clean(staging) != want {
		return fmt.Errorf("publish %s: %s is not its staging directory %s", outputDir, staging, want)
	}
	if st, err := os.Lstat(want); err != nil {
		return fmt.Errorf("publish %s: %w", outputDir, err)
	} else if !st.IsDir() {
		return fmt.Errorf("publish %s: staging %s is not a directory", outputDir, want)
	}
	if err := os.Chmod(want, 0o755); err != nil {
		return fmt.Errorf("publish %s: %w", outputDir, err)
	}
	if err := syncPath(want); err != nil {
		return fmt.Errorf("publish %s: %w", outputDir, err)
	}
	st, err := os.Lstat(outputDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := renameNoReplace(want, outputDir); err != nil {
			return fmt.Errorf("publish %s: %w", outputDir, err)
		}
		if err := syncPath(parent); err != nil {
			return fmt.Errorf("publish %s: sync parent: %w", outputDir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("publish %s: %w", outputDir, err)
	case !st.IsDir():
		return fmt.Errorf("publish %s: exists and is not a directory", outputDir)
	}
	// A replaced release left by a killed run would block the rename below.
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("publish %s: remove stale %s: %w", outputDir, old, err)
	}
	swapped, err := exchange(want, outputDir)
	if err != nil {
		return fmt.Errorf("publish %s: %w", outputDir, err)
	}
	if !swapped { // no RENAME_EXCHANGE here: two renames, with a gap but never a mix
		if err := os.Rename(outputDir, old); err != nil {
			return fmt.Errorf("publish %s: %w", outputDir, err)
		}
		if err := syncPath(parent); err != nil {
			return fmt.Errorf("publish %s: sync parent: %w", outputDir, err)
		}
		if err := os.Rename(want, outputDir); err != nil {
			return fmt.Errorf("publish %s: %w", outputDir, err)
		}
	}
	if err := syncPath(parent); err != nil {
		return fmt.Errorf("publish %s: sync parent: %w", outputDir, err)
	}
	if swapped {
		if err := os.Rename(want, old); err != nil {
			return fmt.Errorf("publish %s: move the replaced release aside: %w: %w", outputDir, ErrCleanup, err)
		}
		if err := syncPath(parent); err != nil {
			return fmt.Errorf("publish %s: sync parent: %w: %w", outputDir, ErrCleanup, err)
		}
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("publish %s: remove %s: %w: %w", outputDir, old, ErrCleanup, err)
	}
	if err := syncPath(parent); err != nil {
		return fmt.Errorf("publish %s: sync parent: %w: %w", outputDir, ErrCleanup, err)
	}
	return nil
}

// Pending reports whether outputDir's staging directory holds a release waiting for
// publication: a directory whose report.json has sha256 reportSHA256 (hex; the report_sha256
// of a ledger entry whose run was killed after the commit, before the rename). It returns the
// staging path when ok. A missing staging directory or report, or another hash (for example
// the replaced release a run killed mid-Publish left there), is not pending and not an error;
// an empty reportSHA256 is never pending.
func Pending(outputDir, reportSHA256 string) (staging string, ok bool, err error) {
	_, staging, _, err = names(outputDir)
	if err != nil || reportSHA256 == "" {
		return "", false, err
	}
	st, err := os.Lstat(staging)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("pending %s: %w", outputDir, err)
	}
	if !st.IsDir() {
		return "", false, nil
	}
	report := filepath.Join(staging, ReportName)
	rst, err := os.Lstat(report)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !rst.Mode().IsRegular() {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("pending %s: %w", outputDir, err)
	}
	sum, err := fileSHA256(report)
	if err != nil {
		return "", false, fmt.Errorf("pending %s: %w", outputDir, err)
	}
	if !strings.EqualFold(sum, reportSHA256) {
		return "", false, nil
	}
	return staging, true, nil
}

// Discard removes a staging (or replaced-release) directory of a run that failed or was
// interrupted before its ledger commit. It refuses any path not named .<base>.staging or
// .<base>.old, so a mistake can never remove a published release. A missing path is fine.
func Discard(staging string) error {
	base := filepath.Base(filepath.Clean(staging))
	if !isOurs(base) {
		return fmt.Errorf("discard %s: not a staging directory", staging)
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("discard %s: %w", staging, err)
	}
	return nil
}

func isOurs(base string) bool {
	for _, suf := range []string{stagingSuffix, oldSuffix} {
		if strings.HasPrefix(base, ".") && strings.HasSuffix(base, suf) && len(base) > 1+len(suf) {
			return true
		}
	}
	return false
}

// CleanStale removes what failed or killed runs left beside outputDir: the .<base>.old
// directory always, and the .<base>.staging directory unless it is Pending for one of
// committedSHA256 (the report_sha256 of ledger entries for outputDir). With no hash given,
// both are removed: call it after publishing every pending release (SPEC step 2), or pass the
// hashes to keep a committed release that must still be published.
func CleanStale(outputDir string, committedSHA256 ...string) error {
	_, staging, old, err := names(outputDir)
	if err != nil {
		return err
	}
	paths := []string{old, staging}
	for _, sum := range committedSHA256 {
		_, pending, err := Pending(outputDir, sum)
		if err != nil {
			return err
		}
		if pending {
			paths = paths[:1]
			break
		}
	}
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("clean %s: %w", p, err)
		}
	}
	return nil
}

// CleanStaleSiblings removes the staging and .old directories that runs killed before their
// commit left beside other releases of the same series: every .<base>.staging or .<base>.old
// in outputDir's parent whose <parent>/<base> is not outputDir and for which ours returns
// true. Call it holding the ledger's lock, after publishing every pending release (SPEC step
// 2): nothing of the series is then being built or waiting. ours keeps other series (another
// job, perhaps on another ledger) out of reach.
func CleanStaleSiblings(outputDir string, ours func(dir string) bool) error {
	parent, _, _, err := names(outputDir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("clean %s: %w", parent, err)
	}
	self := filepath.Clean(outputDir)
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, ".") {
			continue
		}
		trimmed := strings.TrimSuffix(name, stagingSuffix)
		if trimmed == name {
			trimmed = strings.TrimSuffix(name, oldSuffix)
		}
		if trimmed == name || len(trimmed) < 2 {
			continue // not .<base>.staging nor .<base>.old
		}
		dir := filepath.Join(parent, trimmed[1:])
		if dir == self || !ours(dir) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(parent, name)); err != nil {
			return fmt.Errorf("clean %s: %w", filepath.Join(parent, name), err)
		}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncPath fsyncs a file or directory.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
