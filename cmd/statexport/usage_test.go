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
