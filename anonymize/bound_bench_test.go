package anonymize

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// boundStream is a synthetic bound-stage input like bench/gen's at 10M rows: 2.5M persons in
// uniformly random row order, 1,200 cells, each person in 1–4 cells (2 % heavy with ~60 rows).
type boundStream struct {
	persons  []uint64
	ordinals []int64
	cells    []uint32
	vals     []float64
}

var (
	boundStreamOnce sync.Once
	boundStreamData boundStream
)

func syntheticBoundStream() *boundStream {
	boundStreamOnce.Do(func() {
		const persons, rows = 2_500_000, 10_000_000
		rng := rand.New(rand.NewPCG(1, 2))
		s := &boundStreamData
		s.persons = make([]uint64, 0, rows)
		s.cells = make([]uint32, 0, rows)
		for p := 0; len(s.persons) < rows; p = (p + 1) % persons {
			n := 1 + rng.IntN(3)
			if rng.IntN(50) == 0 {
				n = 50 + rng.IntN(20)
			}
			k := 1 + rng.IntN(4)
			for i := 0; i < n && len(s.persons) < rows; i++ {
				s.persons = append(s.persons, fmix(uint64(p)+1))
				s.cells = append(s.cells, uint32((p*7+rng.IntN(k)*13)%1200))
			}
		}
		rng.Shuffle(len(s.persons), func(i, j int) {
			s.persons[i], s.persons[j] = s.persons[j], s.persons[i]
			s.cells[i], s.cells[j] = s.cells[j], s.cells[i]
		})
		s.ordinals = make([]int64, len(s.persons))
		s.vals = make([]float64, len(s.persons))
		for i := range s.ordinals {
			s.ordinals[i] = int64(i + 1)
			s.vals[i] = float64(i % 97)
		}
	})
	return &boundStreamData
}

// BenchmarkBound10M: the bound stage (AddCells) over a 10M-row, 2.5M-person random-order stream,
// l0 = 3, RowsCap = 1, one measure (the benchmark job's settings).
func BenchmarkBound10M(b *testing.B) {
	s := syntheticBoundStream()
	b.ResetTimer()
	for range b.N {
		bd := NewBounder(3, 1, BoundSeed{1, 2}, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
		for i, p := range s.persons {
			bd.AddCells(p, s.ordinals[i], s.cells[i:i+1], s.vals[i:i+1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(s.persons)), "ns/row")
}

// BenchmarkBoundBatch10M: the same through AddBatch, 4,096-row batches like the pipeline's.
func BenchmarkBoundBatch10M(b *testing.B) {
	s := syntheticBoundStream()
	b.ResetTimer()
	for range b.N {
		bd := NewBounder(3, 1, BoundSeed{1, 2}, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
		for i := 0; i < len(s.persons); i += 4096 {
			j := min(i+4096, len(s.persons))
			bd.AddBatch(s.persons[i:j], s.ordinals[i:j], s.cells[i:j], s.vals[i:j])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(s.persons)), "ns/row")
}
