package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseYAML is a small valid config the table tests mutate.
const baseYAML = `job: j1
register: {name: R}
source: {type: csv, path: data.csv}
columns:
  - {name: hetu, role: person_id}
  - {name: unit, role: dimension}
  - {name: fee, role: measure}
  - {name: nimi, role: identifier}
derive:
  age_band: {from: hetu, bands: [0, 18, 65]}
  sex: {from: hetu}
privacy: {epsilon: 1, delta: 1e-6}
budget: {ledger: ledger.jsonl, epsilon_per_period: 4}
tables:
  - name: t1
    group_by: [unit, age_band]
    aggregates:
      - {sum: fee, min: 0, max: 100}
`

// writeFile writes content to dir/name (creating directories) and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mutate applies old→new replacements to baseYAML, failing when an old string is absent
// (so a case cannot silently test the unmodified config).
func mutate(t testing.TB, edits ...string) string {
	t.Helper()
	if len(edits)%2 != 0 {
		t.Fatal("mutate needs old/new pairs")
	}
	y := baseYAML
	for i := 0; i < len(edits); i += 2 {
		if !strings.Contains(y, edits[i]) {
			t.Fatalf("mutate: %q is not in the base config", edits[i])
		}
		y = strings.Replace(y, edits[i], edits[i+1], 1)
	}
	return y
}

// loadYAML writes y as job.yaml in a fresh directory and loads it.
func loadYAML(t testing.TB, y string, environ ...string) (*Job, error) {
	t.Helper()
	return Load(writeFile(t, t.TempDir(), "job.yaml", y), environ)
}

// configErrors flattens err into its *Error values, failing when a part is not one.
func configErrors(t testing.TB, err error) []*Error {
	t.Helper()
	var out []*Error
	if err == nil {
		return nil
	}
	var walk func(error)
	walk = func(e error) {
		if ce, ok := e.(*Error); ok {
			out = append(out, ce)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		t.Errorf("error part %T is not a *config.Error: %v", e, e)
	}
	walk(err)
	if err != nil && !errors.Is(err, ErrConfig) {
		t.Errorf("error does not unwrap to ErrConfig: %v", err)
	}
	return out
}

// keys returns the Key of every problem.
func keys(errs []*Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Key
	}
	return out
}
