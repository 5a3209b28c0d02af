package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/statexport/statexport/config"
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
