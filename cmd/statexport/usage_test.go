package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/statexport/statexport/pipeline/exitcode"
)

// TestUsageMistakesExit2: every command-line mistake is SPEC's exit 2, whichever command it
// is made on — stray positional arguments included (cobra's own check would exit 1).
func TestUsageMistakesExit2(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--config", "job.yaml", "extra"},
		{"run", "--config", "job.yaml", "--dry-run", "extra"},
		{"keygen", "--out", "k", "extra"},
		{"version", "extra"},
		{"budget", "--ledger", "l.jsonl", "extra"},
		{"inspect", "a.csv", "b.csv"},
		{"audit"},
		{"scan"},
		{"run", "--no-such-flag"},
		{"no-such-command"},
		{"--log-format", "xml", "version"},
	} {
		var stderr bytes.Buffer
		code := execute(context.Background(), args, io.Discard, &stderr)
		if code != exitcode.Usage {
			t.Errorf("statexport %s: exit %d, want %d (%s)", strings.Join(args, " "), code, exitcode.Usage, stderr.String())
		}
	}
}

// TestVersion: version, commit, Go and the pinned libraries' versions, as SPEC lists them.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := execute(context.Background(), []string{"version"}, &out, io.Discard); code != exitcode.OK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"statexport ", "commit ", "go go1.",
		"github.com/google/differential-privacy/go/v3 v3.0.0",
		"github.com/apache/arrow/go/v17 v17.0.0",
		"github.com/parquet-go/parquet-go v0.32.0"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}
}
