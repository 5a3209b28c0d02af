package anonymize

import (
	"fmt"
	"hash/maphash"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/statexport/statexport/config"
)

// BenchmarkPrepareBatch: the prepare stage over one 65,536-record batch shaped like the
// benchmark register (HETU, postal code, unit, fee; 30 × 40 distinct dimension values).
func BenchmarkPrepareBatch(b *testing.B) {
	j := &config.Job{
		Source: config.Source{Decimal: "."},
		Columns: []config.Column{
			{Name: "hetu", Role: config.RolePersonID, Format: "hetu"},
			{Name: "postal_code", Role: config.RoleDimension, Width: 5},
			{Name: "unit", Role: config.RoleDimension},
			{Name: "fee", Role: config.RoleMeasure},
		},
		Tables: []config.Table{{Name: "t", GroupBy: []string{"postal_code", "unit"}}},
	}
	p, err := NewPreparer(PrepareOptions{Job: j, PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Seed: maphash.MakeSeed()})
	if err != nil {
		b.Fatal(err)
	}
	const n = 65536
	rows := make([][]string, n)
	ords := make([]int64, n)
	for i := range rows {
		rows[i] = []string{"131052-308T", fmt.Sprintf("%05d", 10100+(i*7)%30), fmt.Sprintf("Päiväkoti %02d", (i*13)%40), "123.45"}
		ords[i] = int64(i + 2)
	}
	rec := stringRecord(b, memory.NewGoAllocator(), p.Keep(), rows)
	defer rec.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := p.Batch(rec, ords, func(*Row) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
