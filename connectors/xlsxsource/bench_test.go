package xlsxsource_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/testregister"
	"github.com/statexport/statexport/connectors/xlsxsource"
)

// BenchmarkRead reads a generated 20,000-row workbook, keeping four columns. Bytes are the
// workbook file's.
func BenchmarkRead(b *testing.B) {
	p := filepath.Join(b.TempDir(), "r.xlsx")
	if err := testregister.WriteXLSX(p, "", testregister.SynthColumns(), testregister.Synth(synth.Options{Seed: 1, Rows: 20000})); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(p)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for range b.N {
		s, err := xlsxsource.Open(connectors.Options{Path: p, Keep: []string{"hetu", "unit", "monthly_fee", "start_date"}})
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
