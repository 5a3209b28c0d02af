package anonymize

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/statexport/statexport/config"
)

// testJob is a one-table job over dimension "d" and measure "m".
func testJob(eps, delta float64, partitions string, minPersons int, aggs ...config.Aggregate) *config.Job {
	return &config.Job{
		Privacy: config.Privacy{Epsilon: eps, Delta: delta, Noise: "laplace", MaxPartitionsPerPerson: 1, MaxRowsPerPersonPerPartition: 1, MinPersons: minPersons},
		Tables:  []config.Table{{Name: "t", GroupBy: []string{"d"}, Partitions: partitions, Aggregates: aggs}},
	}
}

// runTable aggregates rows (cells named by their id) through a one-table plan.
func runTable(t *testing.T, j *config.Job, rows []Row, public []uint32) *Result {
	t.Helper()
	plan, err := NewPlan(j)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBounder(j.Privacy.MaxPartitionsPerPerson, j.Privacy.MaxRowsPerPersonPerPartition, BoundSeed{11, 13}, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
	for i := range rows {
		b.Add(&rows[i])
	}
	a := &Aggregation{Plan: plan, Table: 0, Measures: []int{0}, Names: []string{"m"}, ErrorBars: true,
		Value: func(_ int, id uint32) string { return strconv.Itoa(int(id)) }}
	if public != nil {
		a.Public = [][]uint32{public}
	}
	res, err := a.Run(b)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// cellsOf makes n cells with `persons` persons each (one row each, measure v).
func cellsOf(n, persons int, v float64) []Row {
	var rows []Row
	ord := int64(1)
	for c := 0; c < n; c++ {
		for p := 0; p < persons; p++ {
			rows = append(rows, row(uint64(c*persons+p+1), uint32(c), ord, v))
			ord++
		}
	}
	return rows
}

func ids(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i)
	}
	return out
}

// TestPersonsNoiseMatchesPlan: over 20,000 public cells of exactly 50 persons, the noise on
// persons has mean ≈ 0 and variance ≈ 2b² with the b the plan (and report) claims.
// ε = 0.1 → b = 10 (two-sided geometric: variance 199.8 vs 2b² = 200).
// False alarm: the mean's standard error is √(200/20000) = 0.1, tolerance 0.6 (6σ, 2e-9); the
// variance estimate's standard error is √(20b⁴/N) ≈ 3.2, tolerance 20 (> 6σ, < 1e-8).
func TestPersonsNoiseMatchesPlan(t *testing.T) {
	const n, persons = 20000, 50
	j := testJob(0.1, 0, config.PartitionsPublic, 0, config.Aggregate{Kind: config.AggPersons})
	plan, _ := NewPlan(j)
	b := *plan.Tables[0].Mechanisms[0].NoiseScale
	if b != 10 {
		t.Fatalf("plan noise scale = %v, want 10", b)
	}
	res := runTable(t, j, cellsOf(n, persons, 1), ids(n))
	if len(res.Rows) != n {
		t.Fatalf("%d rows, want %d", len(res.Rows), n)
	}
	var sum, sq float64
	for _, r := range res.Rows {
		d := float64(r[1].(int64) - persons)
		sum += d
		sq += d * d
	}
	mean := sum / n
	variance := sq/n - mean*mean
	if math.Abs(mean) > 0.6 {
		t.Errorf("noise mean %.3f, want 0 ± 0.6", mean)
	}
	if math.Abs(variance-2*b*b) > 20 {
		t.Errorf("noise variance %.1f, want %.1f ± 20", variance, 2*b*b)
	}
	// persons_ci95 is the plan's half-width: b·ln(20) for Laplace.
	if got, want := res.Rows[0][2].(float64), b*math.Log(20); math.Abs(got-want) > 1e-6*want {
		t.Errorf("persons_ci95 = %v, want %v", got, want)
	}
}

// TestSumNoiseAndClamping: each person contributes its value clamped to [0, 100]; the noisy sum's
// error has mean ≈ 0 and variance ≈ 2b², b = 100/ε.
// 5,000 cells × 4 persons of value 1000 (clamped to 100): true sum 400. ε = 1 split over persons
// and sum → ε_sum = 0.5, b = 200, variance 80,000; mean standard error √(80000/5000) = 4,
// tolerance 24 (6σ); variance standard error √(20·b⁴/5000) ≈ 2530, tolerance 16,000 (> 6σ).
func TestSumNoiseAndClamping(t *testing.T) {
	const n = 5000
	j := testJob(1, 0, config.PartitionsPublic, 0, config.Aggregate{Kind: config.AggPersons}, config.Aggregate{Kind: config.AggSum, Column: "m", Min: 0, Max: 100})
	res := runTable(t, j, cellsOf(n, 4, 1000), ids(n))
	var sum, sq float64
	for _, r := range res.Rows {
		d := r[3].(float64) - 400
		sum += d
		sq += d * d
	}
	mean := sum / n
	variance := sq/n - mean*mean
	if math.Abs(mean) > 24 {
		t.Errorf("sum noise mean %.2f, want 0 ± 24 (values must be clamped to 100)", mean)
	}
	if math.Abs(variance-80000) > 16000 {
		t.Errorf("sum noise variance %.0f, want 80000 ± 16000", variance)
	}
}

// TestPrivateCellsBelowThresholdNeverAppear: 5,000 private cells of one person each release
// nothing (the chance that one passes is ≤ δ = 1e-12 per cell, 5e-9 in all), and 20 cells of
// 2,000 persons all pass; every released cell's persons is ≥ the selection threshold (exact).
func TestPrivateCellsBelowThresholdNeverAppear(t *testing.T) {
	j := testJob(1, 1e-12, config.PartitionsPrivate, 5, config.Aggregate{Kind: config.AggPersons})
	plan, _ := NewPlan(j)
	th := plan.Tables[0].SelectionThreshold
	rows := cellsOf(5000, 1, 1)
	big := cellsOf(20, 2000, 1)
	for i := range big {
		big[i].Person += 1 << 40
		big[i].Dims[0] += 10000
		big[i].Ordinal += 1 << 40
	}
	res := runTable(t, j, append(rows, big...), nil)
	if len(res.Rows) != 20 {
		t.Fatalf("released %d cells, want the 20 large ones", len(res.Rows))
	}
	for _, r := range res.Rows {
		id, _ := strconv.Atoi(r[0].(string))
		if id < 10000 {
			t.Errorf("a one-person cell %d was released", id)
		}
		if p := float64(r[1].(int64)); p < th {
			t.Errorf("released persons %v below the selection threshold %v", p, th)
		}
	}
}

// TestPublicSuppression: every listed cell is present; cells whose noisy persons is below
// min_persons have every aggregate null and suppressed = true, the others false.
func TestPublicSuppression(t *testing.T) {
	j := testJob(2, 0, config.PartitionsPublic, 30,
		config.Aggregate{Kind: config.AggPersons},
		config.Aggregate{Kind: config.AggMean, Column: "m", Min: 0, Max: 10},
		config.Aggregate{Kind: config.AggQuantiles, Column: "m", Min: 0, Max: 10, Ranks: []float64{0.5, 0.9}})
	rows := cellsOf(3, 100, 5)          // cells 0..2: 100 persons: released
	res := runTable(t, j, rows, ids(6)) // cells 3..5 are listed but empty: suppressed
	if len(res.Rows) != 6 {
		t.Fatalf("%d rows, want all 6 listed cells", len(res.Rows))
	}
	last := len(res.Columns) - 1
	if res.Columns[last].Name != "suppressed" {
		t.Fatalf("last column %q, want suppressed", res.Columns[last].Name)
	}
	for i, r := range res.Rows {
		sup := r[last].(bool)
		if sup != (i >= 3) {
			t.Errorf("cell %d suppressed = %v", i, sup)
		}
		for c := 1; c < last; c++ {
			if sup && r[c] != nil {
				t.Errorf("suppressed cell %d column %s = %v, want null", i, res.Columns[c].Name, r[c])
			}
			if !sup && r[c] == nil {
				t.Errorf("released cell %d column %s is null", i, res.Columns[c].Name)
			}
		}
		if !sup {
			for c := 3; c < last; c++ {
				if v, ok := r[c].(float64); ok && res.Columns[c].Name != "m_mean_ci95" && (v < 0 || v > 10) {
					t.Errorf("cell %d %s = %v outside [0, 10]", i, res.Columns[c].Name, v)
				}
			}
		}
	}
	want := []string{"d", "persons", "persons_ci95", "m_mean", "m_mean_ci95", "m_p50", "m_p90", "suppressed"}
	for i, c := range res.Columns {
		if c.Name != want[i] {
			t.Fatalf("columns %v, want %v", res.Columns, want)
		}
	}
}

func TestPlanSplit(t *testing.T) {
	j := &config.Job{
		Privacy: config.Privacy{Epsilon: 1, Delta: 1e-6, Noise: "laplace", MaxPartitionsPerPerson: 2, MaxRowsPerPersonPerPartition: 3, MinPersons: 5},
		Tables: []config.Table{
			{Name: "a", Partitions: config.PartitionsPublic, Aggregates: []config.Aggregate{
				{Kind: config.AggPersons, Weight: 1}, {Kind: config.AggSum, Column: "m", Min: -10, Max: 50, Weight: 2}, {Kind: config.AggMean, Column: "m", Min: 0, Max: 60, Weight: 1}}},
			{Name: "b", Partitions: config.PartitionsPrivate, Aggregates: []config.Aggregate{
				{Kind: config.AggPersons, Weight: 1}, {Kind: config.AggQuantiles, Column: "m", Min: 0, Max: 60, Ranks: []float64{0.5, 0.995}, Weight: 1}}},
			{Name: "c", Partitions: config.PartitionsPrivate, Aggregates: []config.Aggregate{{Kind: config.AggPersons, Weight: 1}}},
		},
	}
	p, err := NewPlan(j)
	if err != nil {
		t.Fatal(err)
	}
	third := 1.0 / 3
	cases := []struct {
		table, mech      int
		eps, delta, linf float64
		scale            float64 // 0: nil
		cols             []string
	}{
		{0, 0, third / 4, 0, 1, 2 / (third / 4), []string{"persons"}},
		{0, 1, third / 2, 0, 150, 2 * 150 / (third / 2), []string{"m_sum"}},
		{0, 2, third / 4, 0, 3, 0, []string{"m_mean"}},
		{1, 0, third / 2, 0.5e-6, 1, 2 / (third / 2), []string{"persons"}},
		{1, 1, third / 2, 0, 3, 0, []string{"m_p50", "m_p99_5"}},
		{2, 0, third, 0.5e-6, 1, 2 / third, []string{"persons"}},
	}
	var total, totalDelta float64
	for _, tc := range cases {
		m := p.Tables[tc.table].Mechanisms[tc.mech]
		if !near(m.Epsilon, tc.eps) || !near(m.NoiseDelta+m.ThresholdDelta, tc.delta) || m.LInf != tc.linf {
			t.Errorf("table %d mech %d: eps %v delta %v linf %v, want %v %v %v", tc.table, tc.mech, m.Epsilon, m.NoiseDelta+m.ThresholdDelta, m.LInf, tc.eps, tc.delta, tc.linf)
		}
		if (m.NoiseScale == nil) != (tc.scale == 0) || (m.NoiseScale != nil && !near(*m.NoiseScale, tc.scale)) {
			t.Errorf("table %d mech %d: noise scale %v, want %v", tc.table, tc.mech, m.NoiseScale, tc.scale)
		}
		if len(m.Columns) != len(tc.cols) || m.Columns[0] != tc.cols[0] || m.Columns[len(m.Columns)-1] != tc.cols[len(tc.cols)-1] {
			t.Errorf("columns %v, want %v", m.Columns, tc.cols)
		}
		total += m.Epsilon
		totalDelta += m.NoiseDelta + m.ThresholdDelta
	}
	if !near(total, 1) || !near(totalDelta, 1e-6) {
		t.Errorf("Σε = %v, Σδ = %v, want 1 and 1e-6", total, totalDelta)
	}
	// Threshold arithmetic (DP-NOTES): k = l∞ − λ·ln(2δp), δp = δ/l0 for small δ, λ = l0/ε.
	lambda := 2 / third
	k := math.Ceil(1 - lambda*math.Log(2*0.5e-6/2))
	if got := p.Tables[2].DPThreshold; got != k {
		t.Errorf("DP threshold %v, want %v", got, k)
	}
	if p.Tables[2].SelectionThreshold != math.Max(k, 5) {
		t.Errorf("selection threshold %v", p.Tables[2].SelectionThreshold)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestPlanSharesNeverExceedRelease: whatever the split, the shares added in report order never
// exceed the release's ε and δ in floating point, and lose at most a few ulps.
func TestPlanSharesNeverExceedRelease(t *testing.T) {
	for _, eps := range []float64{0.1, 0.3, 0.7, 1, 1.1, 3} {
		for _, delta := range []float64{1e-6, 3e-7, 1e-5} {
			for _, noise := range []string{"laplace", "gaussian"} {
				for tables := 1; tables <= 7; tables++ {
					j := &config.Job{Privacy: config.Privacy{Epsilon: eps, Delta: delta, Noise: noise, MaxPartitionsPerPerson: 1, MaxRowsPerPersonPerPartition: 1}}
					for ti := 0; ti < tables; ti++ {
						tb := config.Table{Name: "t", Partitions: []string{config.PartitionsPrivate, config.PartitionsPublic}[ti%2]}
						tb.Aggregates = append(tb.Aggregates, config.Aggregate{Kind: config.AggPersons, Weight: 1})
						for a := 0; a < ti%5; a++ {
							tb.Aggregates = append(tb.Aggregates, config.Aggregate{Kind: config.AggSum, Column: "m", Min: 0, Max: 10, Weight: float64(a%3 + 1)})
						}
						j.Tables = append(j.Tables, tb)
					}
					p, err := NewPlan(j)
					if err != nil {
						t.Fatal(err)
					}
					var se, sd float64
					for _, tp := range p.Tables {
						for _, m := range tp.Mechanisms {
							se += m.Epsilon
							sd += m.NoiseDelta + m.ThresholdDelta
						}
					}
					if se > eps || se < eps*(1-1e-12) {
						t.Errorf("ε %v %s %d tables: Σ = %v", eps, noise, tables, se)
					}
					if sd > delta || (sd < delta*(1-1e-12) && (noise == "gaussian" || tables > 0)) {
						t.Errorf("δ %v %s %d tables: Σ = %v", delta, noise, tables, sd)
					}
				}
			}
		}
	}
}

// TestAggregationStops: a run cancelled while a large public table gets its noise stops there
// with the cancellation, instead of noising every remaining cell first.
func TestAggregationStops(t *testing.T) {
	j := testJob(1, 1e-6, config.PartitionsPublic, 0, config.Aggregate{Kind: config.AggPersons})
	plan, err := NewPlan(j)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBounder(1, 1, BoundSeed{1, 2}, []TableSpec{{Dims: []int{0}, Measures: []int{0}}})
	public := make([]uint32, 3*stopEvery)
	for i := range public {
		public[i] = uint32(i)
	}
	calls := 0
	stop := errors.New("stopped")
	a := &Aggregation{Plan: plan, Table: 0, Measures: []int{0}, Names: []string{"m"}, Public: [][]uint32{public},
		Value: func(_ int, id uint32) string { return strconv.Itoa(int(id)) },
		Stop: func() error {
			if calls++; calls == 2 {
				return stop
			}
			return nil
		}}
	if _, err := a.Run(b); !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("Run: %v after %d Stop calls, want the Stop error at the second", err, calls)
	}
	a.Stop = nil
	res, err := a.Run(b)
	if err != nil || len(res.Rows) != len(public) {
		t.Fatalf("without Stop: %v, %d rows", err, len(res.Rows))
	}
}
