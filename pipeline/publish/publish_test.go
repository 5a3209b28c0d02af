package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// releaseFiles are the files of release id: distinct names per release, so a listing that
// mixed two releases would show it.
func releaseFiles(id int) []string {
	return []string{fmt.Sprintf("r%03d_a.parquet", id), fmt.Sprintf("r%03d_b.parquet", id), ReportName}
}

func reportBytes(id int) []byte { return []byte(fmt.Sprintf(`{"release":"r%03d"}`, id)) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// stageRelease stages release id for outputDir: its files, a subdirectory, sealed or not.
func stageRelease(t testing.TB, outputDir string, id int, seal bool) string {
	t.Helper()
	staging, err := Stage(outputDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range releaseFiles(id) {
		content := []byte(fmt.Sprintf("release r%03d", id))
		if name == ReportName {
			content = reportBytes(id)
		}
		if err := os.WriteFile(filepath.Join(staging, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if seal {
		if err := Seal(staging); err != nil {
			t.Fatal(err)
		}
	}
	return staging
}

func listing(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func wantSet(id int) []string {
	s := releaseFiles(id)
	sort.Strings(s)
	return s
}

func mode(t testing.TB, path string) os.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func TestNames(t *testing.T) {
	cases := []struct {
		outputDir, staging string
		wantErr            bool
	}{
		{"/srv/out/job/2026-11-24", "/srv/out/job/.2026-11-24.staging", false},
		{"/srv/out/job/2026-11-24/", "/srv/out/job/.2026-11-24.staging", false},
		{"out/latest", "out/.latest.staging", false},
		{"latest", ".latest.staging", false},
		{"", "", true},
		{"/", "", true},
		{".", "", true},
		{"a/..", "", true},
	}
	for _, c := range cases {
		t.Run(c.outputDir, func(t *testing.T) {
			got, err := StagingDir(c.outputDir)
			if (err != nil) != c.wantErr || got != c.staging {
				t.Errorf("StagingDir(%q) = %q, %v; want %q, error %v", c.outputDir, got, err, c.staging, c.wantErr)
			}
		})
	}
}

func TestStage(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out", "job", "r1")
	staging, err := Stage(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "out", "job", ".r1.staging"); staging != want {
		t.Fatalf("staging %s, want %s", staging, want)
	}
	if m := mode(t, staging); m != 0o700 {
		t.Errorf("staging mode %o, want 700", m)
	}
	if m := mode(t, filepath.Join(root, "out", "job")); m&0o700 != 0o700 || m&0o022 != 0 && m != 0o755 {
		t.Errorf("parent mode %o, want 755 (less the umask)", m)
	}
	if exists(out) {
		t.Errorf("Stage created the output directory")
	}
	// A stale staging directory is replaced by an empty one.
	os.WriteFile(filepath.Join(staging, "stale"), []byte("x"), 0o600)
	os.Chmod(staging, 0o755)
	again, err := Stage(out)
	if err != nil || again != staging {
		t.Fatalf("restage: %s %v", again, err)
	}
	if names := listing(t, staging); len(names) != 0 || mode(t, staging) != 0o700 {
		t.Errorf("restaged directory holds %v, mode %o", names, mode(t, staging))
	}
}

func TestSeal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	staging := stageRelease(t, out, 1, false)
	sub := filepath.Join(staging, "sub", "deeper")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "f"), nil, 0o600)
	os.WriteFile(filepath.Join(staging, "exec"), nil, 0o700)
	if err := Seal(staging); err != nil {
		t.Fatal(err)
	}
	if err := Seal(staging); err != nil {
		t.Fatalf("second Seal: %v", err)
	}
	cases := []struct {
		rel  string
		want os.FileMode
	}{
		{".", 0o700}, {"sub", 0o755}, {"sub/deeper", 0o755}, {"sub/deeper/f", 0o644},
		{"exec", 0o644}, {ReportName, 0o644}, {"r001_a.parquet", 0o644},
	}
	for _, c := range cases {
		if m := mode(t, filepath.Join(staging, c.rel)); m != c.want {
			t.Errorf("%s: mode %o, want %o", c.rel, m, c.want)
		}
	}

	t.Run("symlink refused", func(t *testing.T) {
		staging := stageRelease(t, filepath.Join(t.TempDir(), "out"), 1, false)
		os.Symlink("/etc/passwd", filepath.Join(staging, "link"))
		if err := Seal(staging); err == nil || !strings.Contains(err.Error(), "link") {
			t.Errorf("err = %v, want one naming the link", err)
		}
	})
}

func TestPublishFresh(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out", "job", "r1")
	staging := stageRelease(t, out, 1, true)
	if err := Publish(staging, out); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, out); strings.Join(got, ",") != strings.Join(wantSet(1), ",") {
		t.Errorf("published %v, want %v", got, wantSet(1))
	}
	if exists(staging) || exists(filepath.Join(filepath.Dir(out), ".r1.old")) {
		t.Errorf("staging or old left behind")
	}
	if m := mode(t, out); m != 0o755 {
		t.Errorf("output mode %o, want 755", m)
	}
	if m := mode(t, filepath.Join(out, ReportName)); m != 0o644 {
		t.Errorf("report mode %o, want 644", m)
	}
}

func TestPublishReplaces(t *testing.T) {
	out := filepath.Join(t.TempDir(), "latest")
	if err := Publish(stageRelease(t, out, 1, true), out); err != nil {
		t.Fatal(err)
	}
	// A stale .old from a killed run must not block the replacement.
	old := filepath.Join(filepath.Dir(out), ".latest.old")
	os.MkdirAll(filepath.Join(old, "junk"), 0o700)
	if err := Publish(stageRelease(t, out, 2, true), out); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, out); strings.Join(got, ",") != strings.Join(wantSet(2), ",") {
		t.Errorf("after replace: %v, want only %v", got, wantSet(2))
	}
	if got := listing(t, filepath.Dir(out)); strings.Join(got, ",") != "latest" {
		t.Errorf("parent holds %v, want only latest", got)
	}
}

func TestPublishErrors(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	os.WriteFile(file, []byte("x"), 0o644)

	t.Run("parent is a file", func(t *testing.T) {
		if _, err := Stage(filepath.Join(file, "out")); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("err = %v, want one naming %s", err, file)
		}
	})
	t.Run("output is a file", func(t *testing.T) {
		out := filepath.Join(root, "outfile")
		os.WriteFile(out, []byte("x"), 0o644)
		staging := stageRelease(t, out, 1, true)
		if err := Publish(staging, out); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("err = %v", err)
		}
		if !exists(staging) {
			t.Errorf("staging lost on a failed publish")
		}
	})
	t.Run("not the output's staging directory", func(t *testing.T) {
		out := filepath.Join(root, "a")
		staging := stageRelease(t, filepath.Join(root, "b"), 1, true)
		if err := Publish(staging, out); err == nil {
			t.Errorf("published another output's staging directory")
		}
		if exists(out) {
			t.Errorf("output created")
		}
	})
	t.Run("nothing staged", func(t *testing.T) {
		out := filepath.Join(root, "c")
		if err := Publish(filepath.Join(root, ".c.staging"), out); err == nil {
			t.Errorf("published a missing staging directory")
		}
	})
	t.Run("discard refuses other paths", func(t *testing.T) {
		for _, p := range []string{filepath.Join(root, "outfile"), root, filepath.Join(root, ".staging"), filepath.Join(root, "x.staging")} {
			if err := Discard(p); err == nil {
				t.Errorf("Discard(%s) succeeded", p)
			}
		}
		if !exists(filepath.Join(root, "outfile")) {
			t.Errorf("Discard removed a published path")
		}
	})
}

func TestDiscard(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	staging := stageRelease(t, out, 1, false)
	if err := Discard(staging); err != nil || exists(staging) {
		t.Fatalf("Discard: %v, exists %v", err, exists(staging))
	}
	if err := Discard(staging); err != nil {
		t.Errorf("Discard of a missing directory: %v", err)
	}
}

func TestPendingAndCleanStale(t *testing.T) {
	shaOf := sha(reportBytes(1))
	cases := []struct {
		name        string
		setup       func(t *testing.T, out string)
		sha         string
		pending     bool
		stagingLeft bool
	}{
		{"nothing staged", func(t *testing.T, out string) {}, shaOf, false, false},
		{"staged, committed sha", func(t *testing.T, out string) { stageRelease(t, out, 1, true) }, shaOf, true, true},
		{"staged, upper-case sha", func(t *testing.T, out string) { stageRelease(t, out, 1, true) }, strings.ToUpper(shaOf), true, true},
		{"staged, another sha", func(t *testing.T, out string) { stageRelease(t, out, 1, true) }, sha(reportBytes(2)), false, false},
		{"staged, no committed release", func(t *testing.T, out string) { stageRelease(t, out, 1, true) }, "", false, false},
		{"staged without a report", func(t *testing.T, out string) {
			s := stageRelease(t, out, 1, false)
			os.Remove(filepath.Join(s, ReportName))
		}, shaOf, false, false},
		{"report is a directory", func(t *testing.T, out string) {
			s, _ := Stage(out)
			os.Mkdir(filepath.Join(s, ReportName), 0o700)
		}, shaOf, false, false},
		{"staging is a file", func(t *testing.T, out string) {
			os.WriteFile(filepath.Join(filepath.Dir(out), ".out.staging"), nil, 0o600)
		}, shaOf, false, false},
		{"killed mid-publish: the old release sits in staging", func(t *testing.T, out string) {
			if err := Publish(stageRelease(t, out, 1, true), out); err != nil {
				t.Fatal(err)
			}
			s := stageRelease(t, out, 2, true)
			if err := unix.Renameat2(unix.AT_FDCWD, s, unix.AT_FDCWD, out, unix.RENAME_EXCHANGE); err != nil {
				t.Skip("no RENAME_EXCHANGE:", err)
			}
		}, sha(reportBytes(2)), false, false},
		{"old left behind", func(t *testing.T, out string) {
			os.MkdirAll(filepath.Join(filepath.Dir(out), ".out.old", "x"), 0o755)
		}, shaOf, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			c.setup(t, out)
			staging, ok, err := Pending(out, c.sha)
			if err != nil || ok != c.pending || ok && staging != filepath.Join(filepath.Dir(out), ".out.staging") {
				t.Fatalf("Pending = %q, %v, %v; want pending %v", staging, ok, err, c.pending)
			}
			if err := CleanStale(out, "0000", c.sha); err != nil {
				t.Fatalf("CleanStale: %v", err)
			}
			s, _ := StagingDir(out)
			if exists(s) != c.stagingLeft || exists(filepath.Join(filepath.Dir(out), ".out.old")) {
				t.Errorf("after CleanStale: staging exists %v (want %v), old exists %v", exists(s), c.stagingLeft, exists(filepath.Join(filepath.Dir(out), ".out.old")))
			}
		})
	}
}

func TestCleanStaleKeepsOnlyPending(t *testing.T) {
	cases := []struct {
		name        string
		keep        []string
		stagingLeft bool
	}{
		{"no hash: everything goes", nil, false},
		{"the staged report's hash keeps it", []string{sha(reportBytes(1))}, true},
		{"among others", []string{sha(reportBytes(7)), sha(reportBytes(1))}, true},
		{"other hashes", []string{sha(reportBytes(7))}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			staging := stageRelease(t, out, 1, true)
			old := filepath.Join(filepath.Dir(out), ".out.old")
			os.MkdirAll(old, 0o700)
			if err := CleanStale(out, c.keep...); err != nil {
				t.Fatal(err)
			}
			if exists(staging) != c.stagingLeft || exists(old) {
				t.Errorf("staging left %v (want %v), old left %v", exists(staging), c.stagingLeft, exists(old))
			}
		})
	}
}

// TestPublishNeverMixes publishes many releases into one directory while readers list it in a
// loop. A reader opens the directory once and lists that handle, as any directory listing
// does; it must always see every file of exactly one release. The one allowed exception: a
// handle opened on a release just replaced may list it part-deleted (Publish removes the old
// set), which shows as a subset of one release older than the one being published, never as a
// mix, or as ENOENT when the directory the handle refers to is already removed. The output
// directory itself must exist at every instant.
func TestPublishNeverMixes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := Publish(stageRelease(t, out, 0, true), out); err != nil {
		t.Fatal(err)
	}
	const releases = 30
	var publishing atomic.Int64 // the release id being published
	var stop atomic.Bool
	var wg sync.WaitGroup
	var checks, partial atomic.Int64
	errs := make(chan string, 16)
	report := func(s string) {
		select {
		case errs <- s:
		default:
		}
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				before := publishing.Load()
				d, err := os.Open(out)
				if err != nil {
					report(fmt.Sprintf("output directory missing: %v", err))
					return
				}
				es, err := d.ReadDir(-1)
				d.Close()
				checks.Add(1)
				if errors.Is(err, os.ErrNotExist) && publishing.Load() > 0 {
					// The handle was opened on a release that has since been replaced and
					// removed: listing a removed directory fails (ENOENT), it never mixes.
					partial.Add(1)
					continue
				}
				if err != nil {
					report(fmt.Sprintf("listing failed: %v", err))
					return
				}
				ids := map[string]bool{}
				for _, e := range es {
					if e.Name() != ReportName {
						ids[e.Name()[:4]] = true
					}
				}
				if len(ids) > 1 {
					report(fmt.Sprintf("mixed listing %v", es))
					return
				}
				if len(es) == len(releaseFiles(0)) && len(ids) == 1 {
					continue
				}
				// Not complete: only a release being deleted may look like this.
				var id int
				for k := range ids {
					fmt.Sscanf(k, "r%03d", &id)
				}
				if publishing.Load() == 0 || len(ids) == 1 && int64(id) >= before && int64(id) >= publishing.Load() {
					report(fmt.Sprintf("incomplete listing of the current release: %v", es))
					return
				}
				partial.Add(1)
			}
		}()
	}
	for id := 1; id <= releases; id++ {
		staging := stageRelease(t, out, id, true)
		publishing.Store(int64(id))
		if err := Publish(staging, out); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := listing(t, out); strings.Join(got, ",") != strings.Join(wantSet(releases), ",") {
		t.Errorf("final listing %v", got)
	}
	t.Logf("%d listings checked, %d of a release being deleted", checks.Load(), partial.Load())
}

func TestErrCleanupIsDistinct(t *testing.T) {
	if errors.Is(fmt.Errorf("x: %w", os.ErrNotExist), ErrCleanup) {
		t.Fatal("ErrCleanup matches an unrelated error")
	}
}

// TestCleanStaleSiblings: abandoned staging and .old directories of the series' other
// releases go; the run's own, published releases, files, and directories that ours disowns
// stay.
func TestCleanStaleSiblings(t *testing.T) {
	parent := t.TempDir()
	for _, d := range []string{".K5.staging/sub", ".K6.old", ".r9.staging", "r1", ".other.staging", ".staging", "K5"} {
		if err := os.MkdirAll(filepath.Join(parent, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, ".K5.staging/sub/t.parquet"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, ".f.staging"), []byte("a file, not ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	ours := func(dir string) bool { return filepath.Dir(dir) == parent && filepath.Base(dir) != "other" }
	if err := CleanStaleSiblings(filepath.Join(parent, "r9"), ours); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{".f.staging", ".other.staging", ".r9.staging", ".staging", "K5", "r1"}
	if !reflect.DeepEqual(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
	if err := CleanStaleSiblings(filepath.Join(t.TempDir(), "missing-parent", "r1"), ours); err != nil {
		t.Fatalf("a parent that does not exist yet: %v", err)
	}
}
