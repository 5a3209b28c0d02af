package anonymize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// keptOf runs rows through a one-table Bounder and returns, per person, the kept cells with
// their kept row values (first measure).
func keptOf(t *testing.T, l0, rowsCap int, seed BoundSeed, rows []Row) map[uint64]map[uint32][]float64 {
	t.Helper()
	b := NewBounder(l0, rowsCap, seed, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
	for i := range rows {
		b.Add(&rows[i])
	}
	// Each walks persons in index order; rebuild person keys from first appearance.
	var order []uint64
	seen := map[uint64]bool{}
	for _, r := range rows {
		if !seen[r.Person] {
			seen[r.Person] = true
			order = append(order, r.Person)
		}
	}
	out := map[uint64]map[uint32][]float64{}
	cells := b.Cells(0)
	b.eachPerson(0, func(p int, k Kept) {
		m := out[order[p]]
		if m == nil {
			m = map[uint32][]float64{}
			out[order[p]] = m
		}
		m[cells[k.Cell][0]] = append([]float64(nil), k.Vals...)
	})
	return out
}

func row(person uint64, cell uint32, ordinal int64, v float64) Row {
	return Row{Person: person, Ordinal: ordinal, Dims: []uint32{cell}, Vals: []float64{v}}
}

// TestBoundingHeavyPerson: one person with thousands of rows in many cells keeps at most l0
// cells and rowsCap rows in each; light persons keep everything.
func TestBoundingHeavyPerson(t *testing.T) {
	for _, tc := range []struct{ l0, rowsCap int }{{1, 1}, {3, 1}, {2, 5}, {7, 3}} {
		var rows []Row
		ord := int64(1)
		for i := 0; i < 5000; i++ {
			rows = append(rows, row(42, uint32(i%200), ord, float64(i)))
			ord++
		}
		for p := uint64(100); p < 110; p++ {
			rows = append(rows, row(p, uint32(p%3), ord, 1))
			ord++
		}
		kept := keptOf(t, tc.l0, tc.rowsCap, BoundSeed{1, 2}, rows)
		heavy := kept[42]
		if len(heavy) != tc.l0 {
			t.Errorf("l0=%d cap=%d: heavy person kept %d cells, want %d", tc.l0, tc.rowsCap, len(heavy), tc.l0)
		}
		for c, vals := range heavy {
			if len(vals) != tc.rowsCap {
				t.Errorf("l0=%d cap=%d: heavy person kept %d rows in cell %d, want %d", tc.l0, tc.rowsCap, len(vals), c, tc.rowsCap)
			}
			for _, v := range vals {
				if uint32(int(v)%200) != c {
					t.Errorf("kept value %v does not belong to cell %d", v, c)
				}
			}
		}
		for p := uint64(100); p < 110; p++ {
			if len(kept[p]) != 1 || len(kept[p][uint32(p%3)]) != 1 {
				t.Errorf("light person %d: kept %v, want its one row", p, kept[p])
			}
		}
	}
}

// TestBoundingOrderIndependent: given the cells' ids, the kept set depends on the seed, not on
// the order a person's rows arrive in. (A first person visits the cells in a fixed order so
// both runs intern the same cell ids.)
func TestBoundingOrderIndependent(t *testing.T) {
	var rows []Row
	ord := int64(1)
	for c := uint32(0); c < 9; c++ {
		rows = append(rows, row(1000, c, ord, 0))
		ord++
	}
	for p := uint64(1); p <= 50; p++ {
		for i := 0; i < 30; i++ {
			rows = append(rows, row(p, uint32(i%9), ord, float64(ord)))
			ord++
		}
	}
	a := keptOf(t, 3, 2, BoundSeed{7, 9}, rows)
	shuffled := append([]Row(nil), rows...)
	rng := rand.New(rand.NewPCG(1, 2))
	rest := shuffled[9:]
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	// keptOf maps slab index → person by first appearance, which shuffling changes; compare by key.
	b := keptOf(t, 3, 2, BoundSeed{7, 9}, shuffled)
	for p, cells := range a {
		if len(b[p]) != len(cells) {
			t.Fatalf("person %d: %d cells in order, %d shuffled", p, len(cells), len(b[p]))
		}
		for c, vals := range cells {
			if !sameSet(vals, b[p][c]) {
				t.Fatalf("person %d cell %d: rows %v in order, %v shuffled", p, c, vals, b[p][c])
			}
		}
	}
}

func sameSet(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[float64]int{}
	for _, v := range a {
		m[v]++
	}
	for _, v := range b {
		m[v]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestBoundingUniform: a person in 10 cells keeps each with probability l0/10 = 0.3 over
// random seeds, and each of 8 rows in a cell with probability cap/8 = 0.25.
// False alarm: each of the 18 frequencies is a Binomial(20000, p) proportion; the tolerance is
// 6 standard deviations (≤ 0.0039 for p=0.3), two-sided tail 2e-9 each, < 1e-7 in all.
func TestBoundingUniform(t *testing.T) {
	const trials = 20000
	cellHits := make([]int, 10)
	rowHits := make([]int, 8)
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []Row
	ord := int64(1)
	for c := uint32(0); c < 10; c++ {
		n := 1
		if c == 0 {
			n = 8
		}
		for i := 0; i < n; i++ {
			rows = append(rows, row(5, c, ord, float64(i)))
			ord++
		}
	}
	for tr := 0; tr < trials; tr++ {
		seed := BoundSeed{rng.Uint64(), rng.Uint64()}
		kept := keptOf(t, 3, 2, seed, rows)[5]
		for c := range kept {
			cellHits[c]++
		}
		// rows of cell 0 under a cap of 2 out of 8: test on a second table with l0 = 10.
		all := keptOf(t, 10, 2, seed, rows)[5]
		for _, v := range all[0] {
			rowHits[int(v)]++
		}
	}
	check := func(name string, hits []int, p float64) {
		sd := math.Sqrt(p * (1 - p) / trials)
		for i, h := range hits {
			if got := float64(h) / trials; math.Abs(got-p) > 6*sd {
				t.Errorf("%s %d kept with frequency %.4f, want %.4f ± %.4f", name, i, got, p, 6*sd)
			}
		}
	}
	check("cell", cellHits, 0.3)
	check("row", rowHits, 0.25)
}

func TestPersonIndex(t *testing.T) {
	x := newPersonIndex(4)
	keys := []uint64{0, math.MaxUint64, 1 << 63, (1 << 63) - 1, 1, 2}
	for i := 0; i < 100000; i++ {
		keys = append(keys, uint64(i)*0x9e3779b97f4a7c15)
	}
	want := map[uint64]uint32{}
	for _, k := range keys {
		if _, ok := want[k]; !ok {
			want[k] = uint32(len(want))
		}
		if got := x.index(k); got != want[k] {
			t.Fatalf("index(%d) = %d, want %d", k, got, want[k])
		}
	}
	if x.len() != len(want) {
		t.Fatalf("len = %d, want %d", x.len(), len(want))
	}
}

// TestCellIDsMatchTuples: packed and wide keys never collide: cell ids agree with a map keyed
// by the whole tuple, for tuples of every length and id range.
func TestCellIDsMatchTuples(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 6; n++ {
		tb := &tableBounds{packed: newPersonIndex(16), wide: map[string]uint32{}}
		ref := map[string]uint32{}
		for i := 0; i < 20000; i++ {
			dims := make([]uint32, n)
			for k := range dims {
				switch rng.IntN(3) {
				case 0:
					dims[k] = uint32(rng.IntN(4))
				case 1:
					dims[k] = uint32(rng.IntN(1 << 16))
				default:
					dims[k] = rng.Uint32()
				}
			}
			key := fmt.Sprint(dims)
			c := tb.cell(dims)
			if want, ok := ref[key]; ok && want != c {
				t.Fatalf("n=%d: tuple %v got cell %d, earlier %d", n, dims, c, want)
			} else if !ok {
				if int(c) != len(ref) {
					t.Fatalf("n=%d: new tuple %v got cell %d, want %d", n, dims, c, len(ref))
				}
				ref[key] = c
			}
			if got := tb.cellDims[c]; fmt.Sprint(got) != key {
				t.Fatalf("n=%d: cell %d holds %v, want %v", n, c, got, dims)
			}
		}
	}
}

// TestAddBatchMatchesAddCells: AddBatch keeps exactly what AddCells row by row keeps, for several
// tables (one public, leaving rows out), bounds and batch lengths around the pipeline's groups.
func TestAddBatchMatchesAddCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	specs := []TableSpec{
		{Dims: []int{0}, Measures: []int{0}},
		{Dims: []int{0, 1}, Measures: []int{1, 0}},
		{Dims: []int{1}, Measures: nil, Allowed: [][]bool{{true, false, true}}},
	}
	for _, tc := range []struct{ l0, rowsCap int }{{1, 1}, {3, 1}, {2, 4}} {
		a := NewBounder(tc.l0, tc.rowsCap, BoundSeed{3, 4}, specs)
		b := NewBounder(tc.l0, tc.rowsCap, BoundSeed{3, 4}, specs)
		var persons []uint64
		var ordinals []int64
		var cells []uint32
		var vals []float64
		outA := 0
		for i := 0; i < 100000; i++ {
			r := Row{Person: uint64(rng.IntN(3000)) * 0x9e3779b97f4a7c15, Ordinal: int64(i + 1),
				Dims: []uint32{uint32(rng.IntN(20)), uint32(rng.IntN(3))},
				Vals: []float64{float64(i), rng.Float64()}}
			cs := a.CellsOf(&r, make([]uint32, len(specs)))
			b.CellsOf(&r, make([]uint32, len(specs)))
			if a.AddCells(r.Person, r.Ordinal, cs, r.Vals) {
				outA++
			}
			persons, ordinals = append(persons, r.Person), append(ordinals, r.Ordinal)
			cells, vals = append(cells, cs...), append(vals, r.Vals...)
		}
		outB := 0
		for i := 0; i < len(persons); {
			j := min(len(persons), i+1+rng.IntN(200))
			outB += b.AddBatch(persons[i:j], ordinals[i:j], cells[i*len(specs):j*len(specs)], vals[2*i:2*j])
			i = j
		}
		if outA != outB {
			t.Errorf("l0=%d cap=%d: outside %d vs %d", tc.l0, tc.rowsCap, outA, outB)
		}
		for tb := range specs {
			var ka, kb []string
			a.eachPerson(tb, func(p int, k Kept) { ka = append(ka, fmt.Sprint(p, k.Cell, k.Rows, k.Vals)) })
			b.eachPerson(tb, func(p int, k Kept) { kb = append(kb, fmt.Sprint(p, k.Cell, k.Rows, k.Vals)) })
			if fmt.Sprint(ka) != fmt.Sprint(kb) || len(ka) == 0 {
				t.Fatalf("l0=%d cap=%d table %d: AddBatch kept differently (%d vs %d entries)", tc.l0, tc.rowsCap, tb, len(ka), len(kb))
			}
		}
	}
}
