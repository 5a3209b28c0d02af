package anonymize

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/statexport/statexport/config"
)

// Column types of a result table.
const (
	TypeString = "string"
	TypeInt64  = "int64"
	TypeDouble = "double"
	TypeBool   = "bool"
)

// OutColumn is one column of a result table.
type OutColumn struct {
	Name string
	Type string // TypeString | TypeInt64 | TypeDouble | TypeBool
}

// Result is one table's released cells. Rows hold string, int64, float64, bool or nil (null).
type Result struct {
	Name       string
	Private    bool
	Columns    []OutColumn
	Rows       [][]any
	Released   int // cells with values
	Suppressed int // public cells below min_persons (rows kept, aggregates null)
}

// Aggregation produces one table's DP result from its bounded contributions.
type Aggregation struct {
	Plan      *Plan
	Table     int      // index into Plan.Tables and the Bounder's tables
	Measures  []int    // TableSpec.Measures: which Row.Vals feed this table, in order
	Names     []string // Preparer.Measures names, to find a mechanism's measure
	ErrorBars bool
	// Public lists, for public tables, every value id of every group-by column in listed order;
	// every combination is released. Nil for private tables.
	Public [][]uint32
	// Value returns the text of group-by column k's id.
	Value func(k int, id uint32) string
	// Stop, when set, is asked every few thousand cells whether to give up (a cancelled run):
	// a large public table's noise takes long enough for a SIGTERM to wait on it.
	Stop func() error
}

// stopEvery is how many cells pass between calls of Aggregation.Stop.
const stopEvery = 4096

// cellAggs holds one cell's single-use DP aggregators.
type cellAggs struct {
	persons *dpagg.Count
	sums    []*dpagg.BoundedSumInt64 // per sum mechanism
	means   []*dpagg.BoundedMean
	quants  []*dpagg.BoundedQuantiles
}

// Run computes the table's noisy cells. It adds noise once per cell and aggregate with the DP
// library and never returns an un-noised value.
func (a *Aggregation) Run(b *Bounder) (*Result, error) {
	tp := &a.Plan.Tables[a.Table]
	res := &Result{Name: tp.Name, Private: tp.Private, Columns: a.columns(tp)}
	measureOf := a.measureSlots(tp)
	cells := map[uint32]*cellAggs{}
	get := func(c uint32) (*cellAggs, error) {
		if ca := cells[c]; ca != nil {
			return ca, nil
		}
		ca, err := a.newCell(tp)
		cells[c] = ca
		return ca, err
	}
	var err error
	nm := len(a.Measures)
	b.Each(a.Table, func(k Kept) {
		if err != nil {
			return
		}
		var ca *cellAggs
		if ca, err = get(k.Cell); err != nil {
			return
		}
		err = a.contribute(tp, ca, k, nm, measureOf)
	})
	if err != nil {
		return nil, err
	}

	order := a.cellOrder(b, tp)
	for i, c := range order {
		if a.Stop != nil && i%stopEvery == 0 {
			if err := a.Stop(); err != nil {
				return nil, err
			}
		}
		ca, err := get(c)
		if err != nil {
			return nil, err
		}
		row, released, err := a.release(tp, ca, len(res.Columns))
		if err != nil {
			return nil, err
		}
		if row == nil {
			continue // a private cell below the threshold: absent
		}
		dims := b.Cells(a.Table)[c]
		for k := range tp.GroupBy {
			row[k] = a.Value(k, dims[k])
		}
		if released {
			res.Released++
		} else {
			res.Suppressed++
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// measureSlots maps each mechanism to its measure's position in the table's kept values.
func (a *Aggregation) measureSlots(tp *TablePlan) []int {
	slots := make([]int, len(tp.Mechanisms))
	for i, m := range tp.Mechanisms {
		slots[i] = -1
		for k, idx := range a.Measures {
			if a.Names[idx] == m.Source {
				slots[i] = k
			}
		}
	}
	return slots
}

func (a *Aggregation) columns(tp *TablePlan) []OutColumn {
	var cols []OutColumn
	for _, g := range tp.GroupBy {
		cols = append(cols, OutColumn{g, TypeString})
	}
	for _, m := range tp.Mechanisms {
		for _, name := range m.Columns {
			typ := TypeDouble
			if m.Kind == config.AggPersons {
				typ = TypeInt64
			}
			cols = append(cols, OutColumn{name, typ})
			if a.ErrorBars && m.HasErrorBars() {
				cols = append(cols, OutColumn{name + "_ci95", TypeDouble})
			}
		}
	}
	if !tp.Private {
		cols = append(cols, OutColumn{"suppressed", TypeBool})
	}
	return cols
}

func (a *Aggregation) newCell(tp *TablePlan) (*cellAggs, error) {
	p := a.Plan
	n := noiseOf(p.Noise)
	ca := &cellAggs{}
	for _, m := range tp.Mechanisms {
		var err error
		switch m.Kind {
		case config.AggPersons:
			ca.persons, err = dpagg.NewCount(&dpagg.CountOptions{Epsilon: m.Epsilon, Delta: m.NoiseDelta, MaxPartitionsContributed: m.L0, Noise: n})
		case config.AggSum:
			var s *dpagg.BoundedSumInt64
			s, err = dpagg.NewBoundedSumInt64(&dpagg.BoundedSumInt64Options{
				Epsilon: m.Epsilon, Delta: m.NoiseDelta, MaxPartitionsContributed: m.L0, Noise: n,
				Lower: fixed(m.Min * float64(p.RowsCap)), Upper: fixed(m.Max * float64(p.RowsCap)),
			})
			ca.sums = append(ca.sums, s)
		case config.AggMean:
			var s *dpagg.BoundedMean
			s, err = dpagg.NewBoundedMean(&dpagg.BoundedMeanOptions{
				Epsilon: m.Epsilon, Delta: m.NoiseDelta, MaxPartitionsContributed: m.L0,
				MaxContributionsPerPartition: p.RowsCap, Lower: m.Min, Upper: m.Max, Noise: n,
			})
			ca.means = append(ca.means, s)
		case config.AggQuantiles:
			var s *dpagg.BoundedQuantiles
			s, err = dpagg.NewBoundedQuantiles(&dpagg.BoundedQuantilesOptions{
				Epsilon: m.Epsilon, Delta: m.NoiseDelta, MaxPartitionsContributed: m.L0,
				MaxContributionsPerPartition: p.RowsCap, Lower: m.Min, Upper: m.Max, Noise: n,
			})
			ca.quants = append(ca.quants, s)
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: %s: %w", tp.Name, m.Columns[0], err)
		}
	}
	return ca, nil
}

// contribute adds one person's kept rows in one cell: one Increment to persons, the person's
// clamped per-cell total to each sum, and each kept row to means and quantiles.
func (a *Aggregation) contribute(tp *TablePlan, ca *cellAggs, k Kept, nm int, measureOf []int) error {
	if err := ca.persons.Increment(); err != nil {
		return err
	}
	var si, mi, qi int
	for i, m := range tp.Mechanisms {
		slot := measureOf[i]
		switch m.Kind {
		case config.AggSum:
			var total float64
			for r := 0; r < k.Rows; r++ {
				if v := k.Vals[r*nm+slot]; !math.IsNaN(v) {
					total += clamp(v, m.Min, m.Max)
				}
			}
			if err := ca.sums[si].Add(fixed(total)); err != nil {
				return err
			}
			si++
		case config.AggMean, config.AggQuantiles:
			for r := 0; r < k.Rows; r++ {
				v := k.Vals[r*nm+slot]
				if math.IsNaN(v) {
					continue
				}
				var err error
				if m.Kind == config.AggMean {
					err = ca.means[mi].Add(clamp(v, m.Min, m.Max))
				} else {
					err = ca.quants[qi].Add(clamp(v, m.Min, m.Max))
				}
				if err != nil {
					return err
				}
			}
			if m.Kind == config.AggMean {
				mi++
			} else {
				qi++
			}
		}
	}
	return nil
}

// release computes one cell's noisy row. It returns nil for a private cell that is not
// selected; released is false for a suppressed public cell.
func (a *Aggregation) release(tp *TablePlan, ca *cellAggs, ncols int) (row []any, released bool, err error) {
	row = make([]any, ncols)
	var persons int64
	var pm Mechanism
	for _, m := range tp.Mechanisms {
		if m.Kind == config.AggPersons {
			pm = m
		}
	}
	if tp.Private {
		r, err := ca.persons.ThresholdedResult(pm.ThresholdDelta)
		if err != nil {
			return nil, false, err
		}
		if r == nil || float64(*r) < tp.SelectionThreshold {
			return nil, false, nil
		}
		persons = *r
	} else {
		if persons, err = ca.persons.Result(); err != nil {
			return nil, false, err
		}
		persons = max(persons, 0)
		if persons < int64(a.Plan.MinPersons) {
			row[len(row)-1] = true
			return row, false, nil // every aggregate null; no other noise is drawn
		}
		row[len(row)-1] = false
	}
	col := len(tp.GroupBy)
	put := func(v any, ci95 *float64, bars bool) {
		row[col] = v
		col++
		if a.ErrorBars && bars {
			if ci95 != nil {
				row[col] = *ci95
			}
			col++
		}
	}
	var si, mi, qi int
	for _, m := range tp.Mechanisms {
		switch m.Kind {
		case config.AggPersons:
			put(persons, m.CI95, true)
		case config.AggSum:
			v, err := ca.sums[si].Result()
			if err != nil {
				return nil, false, err
			}
			si++
			put(float64(v)/FixedPointScale, m.CI95, true)
		case config.AggMean:
			bm := ca.means[mi]
			mi++
			v, err := bm.Result()
			if err != nil {
				return nil, false, err
			}
			ci, err := bm.ComputeConfidenceInterval(CIAlpha)
			if err != nil {
				return nil, false, err
			}
			half := (ci.UpperBound - ci.LowerBound) / 2
			put(clamp(v, m.Min, m.Max), &half, true)
		case config.AggQuantiles:
			bq := ca.quants[qi]
			qi++
			for _, r := range m.Ranks {
				v, err := bq.Result(r)
				if err != nil {
					return nil, false, err
				}
				put(clamp(v, m.Min, m.Max), nil, false)
			}
		}
	}
	return row, true, nil
}

// cellOrder lists the cells to consider: for public tables every listed combination in listed
// order; for private tables every cell some person was kept in, sorted by dimension text.
func (a *Aggregation) cellOrder(b *Bounder, tp *TablePlan) []uint32 {
	if !tp.Private {
		var out []uint32
		dims := make([]uint32, len(a.Public))
		var walk func(k int)
		walk = func(k int) {
			if k == len(a.Public) {
				out = append(out, b.CellOf(a.Table, dims))
				return
			}
			for _, id := range a.Public[k] {
				dims[k] = id
				walk(k + 1)
			}
		}
		walk(0)
		return out
	}
	cells := b.Cells(a.Table)
	var out []uint32
	seen := map[uint32]bool{}
	b.Each(a.Table, func(k Kept) {
		if !seen[k.Cell] {
			seen[k.Cell] = true
			out = append(out, k.Cell)
		}
	})
	sortCells(out, func(c uint32, k int) string { return a.Value(k, cells[c][k]) }, len(tp.GroupBy))
	return out
}

func fixed(v float64) int64 { return int64(math.Round(v * FixedPointScale)) }

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

func sortCells(cells []uint32, text func(c uint32, k int) string, n int) {
	slices.SortFunc(cells, func(x, y uint32) int {
		for k := 0; k < n; k++ {
			if c := strings.Compare(text(x, k), text(y, k)); c != 0 {
				return c
			}
		}
		return 0
	})
}
