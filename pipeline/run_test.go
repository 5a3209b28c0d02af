package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline/report"
)

// exampleJob copies the example job and register into a temp dir and loads the config.
func exampleJob(t *testing.T, environ ...string) *config.Job {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..")
	tmp := t.TempDir()
	for _, f := range []string{"jobs/daycare.yaml", "registers/daycare.csv", "registers/withdrawn.txt"} {
		b, err := os.ReadFile(filepath.Join(root, "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(tmp, "repo", f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j, err := config.Load(filepath.Join(tmp, "repo/jobs/daycare.yaml"), environ)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestRunInProcess runs the example in-process (so `go test -race` covers the streaming stages)
// with small batches, and checks the counts the ledger records.
func TestRunInProcess(t *testing.T) {
	j := exampleJob(t)
	sum, err := Run(context.Background(), j, Options{Release: "p1", batchRows: 97})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Tables) != 2 || sum.Tables[0].Rows != 48 {
		t.Fatalf("summary %+v", sum)
	}
}

// TestRunCancelled: a cancelled context stops the run before the commit point: an error, no
// ledger line, nothing published.
func TestRunCancelled(t *testing.T) {
	j := exampleJob(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, j, Options{Release: "p2"}); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if _, err := os.Stat(j.Budget.Ledger); err == nil {
		b, _ := os.ReadFile(j.Budget.Ledger)
		if len(b) != 0 {
			t.Fatal("a cancelled run wrote a ledger line")
		}
	}
	if _, err := os.Stat(j.OutputDir("p2")); err == nil {
		t.Fatal("a cancelled run published")
	}
}

// TestColumnActions: every column gets an action; fixed roles use the words report.html
// translates, so report.json and the page say the same thing.
func TestColumnActions(t *testing.T) {
	j := exampleJob(t)
	got := columnActions(j)
	if len(got) != len(j.Columns)+len(j.Derive) {
		t.Fatalf("%d actions for %d columns and %d derived", len(got), len(j.Columns), len(j.Derive))
	}
	for _, c := range got {
		if c.Action == "" {
			t.Errorf("column %s (%s) has no action", c.Name, c.Role)
		}
		if want, fixed := report.ColumnAction(c.Role); fixed && c.Action != want {
			t.Errorf("column %s: action %q, want the shared text %q", c.Name, c.Action, want)
		}
	}
	for _, role := range []string{config.RolePersonID, config.RoleIdentifier, config.RoleDrop, config.RoleMeasure} {
		if _, fixed := report.ColumnAction(role); !fixed {
			t.Errorf("role %s has no shared action text", role)
		}
	}
}
