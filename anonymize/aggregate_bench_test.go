package anonymize

import (
	"strconv"
	"testing"

	"github.com/statexport/statexport/config"
)

// BenchmarkAggregate: the DP aggregation of a bounded private table — 250k persons in 1,200
// cells, persons + a bounded sum (the benchmark job's table at 1M rows): dpagg objects per cell,
// one Increment/Add per kept person, noise and thresholding per cell.
func BenchmarkAggregate(b *testing.B) {
	j := testJob(1, 1e-6, config.PartitionsPrivate, 10,
		config.Aggregate{Kind: config.AggPersons}, config.Aggregate{Kind: config.AggSum, Column: "m", Min: 0, Max: 500})
	j.Privacy.MaxPartitionsPerPerson = 3
	plan, err := NewPlan(j)
	if err != nil {
		b.Fatal(err)
	}
	bd := NewBounder(3, 1, BoundSeed{1, 2}, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
	row := Row{Dims: []uint32{0}, Vals: []float64{0}}
	for i := 0; i < 1_000_000; i++ {
		row.Person, row.Ordinal = uint64(i%250_000), int64(i+1)
		row.Dims[0], row.Vals[0] = uint32((i*7)%1200), float64(i%500)
		bd.Add(&row)
	}
	a := &Aggregation{Plan: plan, Table: 0, Measures: []int{0}, Names: []string{"m"}, ErrorBars: true,
		Value: func(_ int, id uint32) string { return strconv.Itoa(int(id)) }}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := a.Run(bd); err != nil {
			b.Fatal(err)
		}
	}
}
