package jsonlsource

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/connectors"
)

// BenchmarkRead reads a generated 20,000-row register (both passes), keeping four columns.
func BenchmarkRead(b *testing.B) {
	p := filepath.Join(b.TempDir(), "r.jsonl")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.WriteJSONL(f, synth.Options{Seed: 1, Rows: 20000}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(p)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for range b.N {
		s, err := Open(connectors.Options{Path: p, Keep: []string{"hetu", "unit", "monthly_fee", "start_date"}})
		if err != nil {
			b.Fatal(err)
		}
		for {
			bt, err := s.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			bt.Record.Release()
		}
		s.Close()
	}
}
