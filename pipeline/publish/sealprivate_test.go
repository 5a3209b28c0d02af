package publish

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSealedStagingStaysPrivate is the regression test for a sealed but uncommitted release
// left world-readable: Seal used to open the staging directory to 0755 before the ledger
// commit, so a run killed between Seal and the commit left noisy tables whose budget was never
// spent readable beside the output (found by cmd/statexport's TestCrashFailpoints). Now the
// staging directory stays 0700 until Publish, which opens it as it moves it into place.
func TestSealedStagingStaysPrivate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out", "job", "current")
	for id := 1; id <= 2; id++ { // a fresh publication, then a replacement
		staging := stageRelease(t, out, id, true)
		if m := mode(t, staging); m != 0o700 {
			t.Fatalf("release %d: sealed staging mode %o, want 700 until published", id, m)
		}
		if m := mode(t, filepath.Join(staging, ReportName)); m != 0o644 {
			t.Errorf("release %d: sealed report mode %o, want 644", id, m)
		}
		pending, ok, err := Pending(out, sha(reportBytes(id)))
		if err != nil || !ok {
			t.Fatalf("release %d: Pending = %v, %v", id, ok, err)
		}
		if err := Publish(pending, out); err != nil {
			t.Fatal(err)
		}
		if m := mode(t, out); m != 0o755 {
			t.Errorf("release %d: published mode %o, want 755", id, m)
		}
	}
}

// TestStageParentsReadable is the regression test for output parents created by the umask:
// Stage's missing parents came out 0700 under umask 077, so a published 0755 release could not
// be reached by any reader (found by cmd/statexport's TestPermPublishedModes). Existing
// directories keep their mode.
func TestStageParentsReadable(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	root := t.TempDir()
	kept := filepath.Join(root, "kept")
	if err := os.Mkdir(kept, 0o711); err != nil {
		t.Fatal(err)
	}
	os.Chmod(kept, 0o711)
	out := filepath.Join(kept, "out", "job", "r1")
	if _, err := Stage(out); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(kept, "out"), filepath.Join(kept, "out", "job")} {
		if m := mode(t, d); m != 0o755 {
			t.Errorf("%s: mode %o under umask 077, want 755", filepath.Base(d), m)
		}
	}
	if m := mode(t, kept); m != 0o711 {
		t.Errorf("an existing parent's mode changed to %o", m)
	}
}
