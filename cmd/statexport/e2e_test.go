package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gofrs/flock"
	"github.com/statexport/statexport/connectors/parquetsink"
	"golang.org/x/text/encoding/charmap"
)

// binary is the statexport binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "statexport-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "statexport")
	out, err := exec.Command("go", append([]string{"build", "-o", binary}, append(buildFlags(), ".")...)...).CombinedOutput()
	if err != nil {
		panic("go build: " + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root (two levels above this package).
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// example lays the example job out in a temp dir: <tmp>/repo/{jobs,registers}; the job's
// relative ledger and output paths then land in <tmp>/var and <tmp>/out.
type example struct {
	tmp, config, ledger, out string
}

func newExample(t *testing.T) example {
	t.Helper()
	tmp := t.TempDir()
	root := repoRoot(t)
	for _, d := range []string{"jobs", "registers"} {
		if err := os.MkdirAll(filepath.Join(tmp, "repo", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(root, "testdata/jobs/daycare.yaml"), filepath.Join(tmp, "repo/jobs/daycare.yaml"))
	for _, f := range []string{"daycare.csv", "withdrawn.txt"} {
		copyFile(t, filepath.Join(root, "testdata/registers", f), filepath.Join(tmp, "repo/registers", f))
	}
	return example{tmp: tmp, config: filepath.Join(tmp, "repo/jobs/daycare.yaml"),
		ledger: filepath.Join(tmp, "var/ledger.jsonl"), out: filepath.Join(tmp, "out/daycare-enrolment")}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, so.String(), se.String()}
}

// cleanEnv drops STATEXPORT_ variables of the calling environment.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STATEXPORT_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestExampleJobPublishesRelease(t *testing.T) {
	ex := newExample(t)
	r := runBin(t, nil, "run", "--config", ex.config, "--release", "2026-11-24")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	var sum struct {
		Job       string
		Release   string
		OutputDir string `json:"output_dir"`
		Tables    []struct {
			Name string
			Rows int
		}
		EpsilonSpent    float64 `json:"epsilon_spent"`
		BudgetRemaining float64 `json:"budget_remaining"`
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want one JSON line: %q", len(lines), r.stdout)
	}
	if err := json.Unmarshal([]byte(lines[0]), &sum); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if sum.Job != "daycare-enrolment" || sum.Release != "2026-11-24" || sum.OutputDir != filepath.Join(ex.out, "2026-11-24") ||
		sum.EpsilonSpent != 1 || sum.BudgetRemaining != 3 || len(sum.Tables) != 2 {
		t.Errorf("summary %+v", sum)
	}
	dir := filepath.Join(ex.out, "2026-11-24")
	for _, f := range []string{"enrolment_by_unit_age.parquet", "enrolment_by_area.parquet", "report.json", "report.html"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("missing output %s: %v", f, err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s mode %v, want 0644", f, fi.Mode().Perm())
		}
	}
	// Tables really release cells: the public table has every unit × band, the private one some.
	pub, meta, err := parquetsink.Read(filepath.Join(dir, "enrolment_by_unit_age.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Rows) != 8*6 {
		t.Errorf("public table has %d rows, want 48", len(pub.Rows))
	}
	if meta["statexport.job"] != "daycare-enrolment" || meta["statexport.release"] != "2026-11-24" {
		t.Errorf("footer metadata %v", meta)
	}
	priv, _, err := parquetsink.Read(filepath.Join(dir, "enrolment_by_area.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(priv.Rows) == 0 {
		t.Errorf("the private table released no cell")
	}
	led := readLines(t, ex.ledger)
	if len(led) != 1 {
		t.Fatalf("ledger has %d lines, want 1", len(led))
	}
	assertNoIdentifiers(t, ex, r)
}

// assertNoIdentifiers checks that no direct identifier of the register appears in stdout,
// stderr, the report files or any table value.
func assertNoIdentifiers(t *testing.T, ex example, runs ...result) {
	t.Helper()
	ids := registerIdentifiers(t)
	var texts []string
	for _, r := range runs {
		texts = append(texts, r.stdout, r.stderr)
	}
	_ = filepath.Walk(filepath.Join(ex.tmp, "out"), func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".parquet") {
			tb, _, err := parquetsink.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range tb.Rows {
				for _, v := range row {
					if s, ok := v.(string); ok {
						texts = append(texts, s)
					}
				}
			}
			return nil
		}
		b, _ := os.ReadFile(path)
		texts = append(texts, string(b))
		return nil
	})
	all := strings.Join(texts, "\n")
	for _, id := range ids {
		if strings.Contains(all, id) {
			t.Errorf("an identifier of the register appears in the outputs (%d chars)", len(id))
		}
	}
}

// registerIdentifiers returns the distinct HETU, name, street, phone and e-mail values of the
// example register (columns 0–3, 9, 10), decoded from Windows-1252.
func registerIdentifiers(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata/registers/daycare.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Split(strings.TrimRight(sc.Text(), "\r"), ";")
		if len(f) < 11 {
			continue
		}
		for _, i := range []int{0, 2, 3, 9, 10} { // first names alone are too common words to test
			if v := strings.TrimSpace(f[i]); len(v) >= 6 {
				seen[v] = true
			}
		}
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	if len(out) < 1000 {
		t.Fatalf("only %d identifiers read from the register", len(out))
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// snapshot records every file under dir with its bytes, to prove a refused run changed nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	_ = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if fi.IsDir() {
			m[path] = "dir"
			return nil
		}
		b, _ := os.ReadFile(path)
		m[path] = string(b)
		return nil
	})
	return m
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRefusals(t *testing.T) {
	ex := newExample(t)
	first := runBin(t, nil, "run", "--config", ex.config, "--release", "r1")
	if first.code != 0 {
		t.Fatalf("first run: exit %d: %s", first.code, first.stderr)
	}
	before := snapshot(t, ex.tmp)

	t.Run("rerun of a release", func(t *testing.T) {
		r := runBin(t, nil, "run", "--config", ex.config, "--release", "r1")
		if r.code != 3 {
			t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
		}
		if !sameSnapshot(before, snapshot(t, ex.tmp)) {
			t.Errorf("a refused run changed files")
		}
	})
	t.Run("budget exceeded", func(t *testing.T) {
		r := runBin(t, []string{"STATEXPORT_PRIVACY_EPSILON=3.5"}, "run", "--config", ex.config, "--release", "r2")
		if r.code != 3 {
			t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
		}
		if !sameSnapshot(before, snapshot(t, ex.tmp)) {
			t.Errorf("a refused run changed files")
		}
	})
	t.Run("lock held", func(t *testing.T) {
		lk := flock.New(ex.ledger + ".lock")
		ok, err := lk.TryLock()
		if err != nil || !ok {
			t.Fatalf("cannot take the lock: %v", err)
		}
		defer lk.Unlock()
		snap := snapshot(t, filepath.Join(ex.tmp, "out"))
		r := runBin(t, nil, "run", "--config", ex.config, "--release", "r3")
		if r.code != 4 {
			t.Fatalf("exit %d, want 4: %s", r.code, r.stderr)
		}
		if !sameSnapshot(snap, snapshot(t, filepath.Join(ex.tmp, "out"))) || len(readLines(t, ex.ledger)) != 1 {
			t.Errorf("a locked-out run changed files")
		}
	})
}

// TestBadKeyAndBrokenLedger: a signing key that cannot be read is a config error (exit 2) for
// validate and run alike, found before any data is read; a ledger whose hash chain is broken
// fails the run (exit 1: SPEC keeps run's exit 5 for its own tables failing the scan) while
// `budget` reports it as a finding (exit 5). Neither changes a file.
func TestBadKeyAndBrokenLedger(t *testing.T) {
	ex := newExample(t)
	for _, rel := range []string{"r1", "r2"} {
		if r := runBin(t, nil, "run", "--config", ex.config, "--release", rel); r.code != 0 {
			t.Fatalf("run %s: exit %d: %s", rel, r.code, r.stderr)
		}
	}
	noKey := []string{"STATEXPORT_REPORT_SIGNING_KEY=" + filepath.Join(ex.tmp, "no-such.key")}
	before := snapshot(t, ex.tmp)
	for _, args := range [][]string{
		{"validate", "--config", ex.config},
		{"run", "--config", ex.config, "--release", "k1"},
		{"run", "--config", ex.config, "--release", "k2", "--dry-run"},
	} {
		r := runBin(t, noKey, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "report.signing_key") {
			t.Errorf("%v with a missing signing key: exit %d, want 2 naming report.signing_key: %s", args, r.code, r.stderr)
		}
	}
	if !sameSnapshot(before, snapshot(t, ex.tmp)) {
		t.Error("a run refused for its signing key changed files")
	}

	lines := readLines(t, ex.ledger)
	lines[0] = strings.Replace(lines[0], `"epsilon":1`, `"epsilon":0.5`, 1)
	if err := os.WriteFile(ex.ledger, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, ex.tmp)
	if r := runBin(t, nil, "run", "--config", ex.config, "--release", "r3"); r.code != 1 || !strings.Contains(r.stderr, "hash chain") {
		t.Errorf("run on a broken ledger: exit %d, want 1 citing the hash chain: %s", r.code, r.stderr)
	}
	if r := runBin(t, nil, "budget", "--ledger", ex.ledger); r.code != 5 {
		t.Errorf("budget on a broken ledger: exit %d, want 5: %s", r.code, r.stdout+r.stderr)
	}
	if !sameSnapshot(before, snapshot(t, ex.tmp)) {
		t.Error("a run on a broken ledger changed files")
	}
}

// TestStaleStagingOfOtherReleasesRemoved: SPEC step (2) removes stale staging directories, not
// only the requested release's: what runs killed before their commit left beside the series'
// other releases goes; a directory that is no release of this job stays.
func TestStaleStagingOfOtherReleasesRemoved(t *testing.T) {
	ex := newExample(t)
	if r := runBin(t, nil, "run", "--config", ex.config, "--release", "r1"); r.code != 0 {
		t.Fatalf("run r1: exit %d: %s", r.code, r.stderr)
	}
	for _, d := range []string{".K5.staging", ".K6.old", ".not a release.staging"} {
		if err := os.MkdirAll(filepath.Join(ex.out, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ex.out, d, "report.json"), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if r := runBin(t, nil, "run", "--config", ex.config, "--release", "r2"); r.code != 0 {
		t.Fatalf("run r2: exit %d: %s", r.code, r.stderr)
	}
	for d, want := range map[string]bool{".K5.staging": false, ".K6.old": false, ".not a release.staging": true, "r1": true, "r2": true} {
		if _, err := os.Stat(filepath.Join(ex.out, d)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", d, err == nil, want)
		}
	}
}

// TestFailuresLeaveNothing: each failure exits with its code, names where the problem is, and
// leaves no output and no ledger entry.
func TestFailuresLeaveNothing(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(t *testing.T, ex example)
		code   int
		stderr []string // substrings stderr must hold
	}{
		{"unknown column", func(t *testing.T, ex example) {
			editFile(t, ex.config, "  - {name: notes,       role: drop}\n", "")
		}, 2, []string{`column \"notes\"`}},
		{"unterminated quote", func(t *testing.T, ex example) {
			csv := filepath.Join(filepath.Dir(ex.config), "../registers/daycare.csv")
			lines := strings.SplitAfter(readString(t, csv), "\r\n")
			lines[99] = strings.Replace(lines[99], ";", `;"`, 1) // line 100 opens a quote that never closes
			writeString(t, csv, strings.Join(lines, ""))
		}, 1, []string{"daycare.csv:100"}},
		{"too many invalid ids", func(t *testing.T, ex example) {
			csv := filepath.Join(filepath.Dir(ex.config), "../registers/daycare.csv")
			lines := strings.SplitAfter(readString(t, csv), "\r\n")
			for i := 1; i < 400; i++ {
				lines[i] = "X" + lines[i][1:]
			}
			writeString(t, csv, strings.Join(lines, ""))
		}, 1, []string{"hetu", "rejected"}},
		{"headerless extract", func(t *testing.T, ex example) {
			csv := filepath.Join(filepath.Dir(ex.config), "../registers/daycare.csv")
			lines := strings.SplitAfter(readString(t, csv), "\r\n")
			for i := 1; i < len(lines); i++ { // a first record with 12 distinct non-empty fields
				f := strings.Split(strings.TrimSuffix(lines[i], "\r\n"), ";")
				seen := map[string]bool{}
				for _, v := range f {
					seen[v] = true
				}
				if len(f) == 12 && len(seen) == 12 && !seen[""] {
					lines[0] = lines[i] // the header goes; this record comes first
					lines = append(lines[:i], lines[i+1:]...)
					break
				}
			}
			writeString(t, csv, strings.Join(lines, ""))
		}, 2, []string{"column 1 has no role", "missing its header row"}},
		{"bad epsilon", func(t *testing.T, ex example) {
			editFile(t, ex.config, "epsilon: 1.0", "epsilon: -1")
		}, 2, []string{"privacy.epsilon"}},
		{"unknown env variable", func(t *testing.T, ex example) {
			t.Setenv("X_UNUSED", "1")
		}, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := newExample(t)
			tc.edit(t, ex)
			r := runBin(t, nil, "run", "--config", ex.config, "--release", "f1")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not mention %q: %s", s, r.stderr)
				}
			}
			if tc.code == 0 {
				return
			}
			if n := len(readLines(t, ex.ledger)); n != 0 {
				t.Errorf("ledger has %d lines after a failed run", n)
			}
			entries, _ := os.ReadDir(filepath.Join(ex.tmp, "out", "daycare-enrolment"))
			if len(entries) != 0 {
				t.Errorf("a failed run left %d entries in the output parent", len(entries))
			}
			assertNoIdentifiers(t, ex, r)
		})
	}
}

func TestUnknownEnvVariableIsConfigError(t *testing.T) {
	ex := newExample(t)
	r := runBin(t, []string{"STATEXPORT_PRIVACY_EPSILONN=9"}, "run", "--config", ex.config)
	if r.code != 2 || !strings.Contains(r.stderr, "STATEXPORT_PRIVACY_EPSILONN") {
		t.Fatalf("exit %d, want 2 naming the variable: %s", r.code, r.stderr)
	}
}

func TestValidateAndDryRunWriteNothing(t *testing.T) {
	ex := newExample(t)
	for _, args := range [][]string{{"validate", "--config", ex.config}, {"run", "--dry-run", "--config", ex.config}} {
		r := runBin(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		for _, s := range []string{"selection", "noise scale", "enrolment_by_area"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v: plan lacks %q:\n%s", args, s, r.stdout)
			}
		}
		if _, err := os.Stat(filepath.Join(ex.tmp, "out")); err == nil {
			t.Errorf("%v wrote outputs", args)
		}
		if len(readLines(t, ex.ledger)) != 0 {
			t.Errorf("%v wrote a ledger entry", args)
		}
	}
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	s := readString(t, path)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	writeString(t, path, strings.Replace(s, old, new, 1))
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeString(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildFlags passes an -overlay given to the test binary's go command on to the build.
func buildFlags() []string {
	if ov := os.Getenv("SXTEST_OVERLAY"); ov != "" {
		return []string{"-overlay", ov}
	}
	return nil
}
