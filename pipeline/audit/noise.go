package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/differential-privacy/go/v3/noise"
	"github.com/statexport/statexport/pipeline/report"
)

// scaleTol is the relative slack for a recomputed noise scale: the audit's ε may differ from
// the pipeline's in the last bits (another order of the same float operations).
const scaleTol = 1e-6

// expected is what one output column's aggregate entry must say, recomputed from the
// effective config by SPEC.md's "Privacy budget split".
type expected struct {
	column   string
	kind     string // persons | sum | mean | quantile
	min, max *float64
	epsilon  float64
	l0       int64
	lInf     float64
	scale    *float64 // nil for means and quantiles
}

// expectedTable is one table of the recomputed plan.
type expectedTable struct {
	name       string
	private    bool
	groupBy    []string
	columns    []expected
	threshold  *float64 // private tables: max(ceil(k), min_persons)
	thresholdK float64  // the DP threshold k before rounding
}

// privacyConfig is effective_config.privacy.
type privacyConfig struct {
	epsilon, delta    float64
	noise             string
	l0, rowsCap       int64
	minPersons        int64
	hasMinPersons     bool
	hasL0, hasRowsCap bool
}

// cfgAgg is one aggregate of effective_config in its YAML shape.
type cfgAgg struct {
	kind, column string
	min, max     float64
	ranks        []float64
	weight       float64
}

// recompute derives every aggregate's ε, sensitivities and noise scale, and every private
// table's selection threshold, from effective_config: ε evenly over tables, a table's share
// over its aggregates by weight (persons one aggregate, quantiles with all their ranks one);
// with Laplace noise δ all to the private tables' thresholds, with Gaussian noise evenly over
// every mechanism (each aggregate and each private table's threshold).
func recompute(eff map[string]any) (privacyConfig, []expectedTable, error) {
	var pc privacyConfig
	priv, ok := eff["privacy"].(map[string]any)
	if !ok {
		return pc, nil, errors.New("effective_config has no privacy section")
	}
	var err error
	if pc.epsilon, err = number(priv, "epsilon"); err != nil {
		return pc, nil, err
	}
	if pc.delta, err = number(priv, "delta"); err != nil {
		return pc, nil, err
	}
	pc.noise, _ = priv["noise"].(string)
	if pc.noise != "laplace" && pc.noise != "gaussian" {
		return pc, nil, errors.New("effective_config privacy.noise is neither laplace nor gaussian")
	}
	l0, err := number(priv, "max_partitions_per_person")
	if err != nil {
		return pc, nil, err
	}
	rows, err := number(priv, "max_rows_per_person_per_partition")
	if err != nil {
		return pc, nil, err
	}
	pc.l0, pc.rowsCap, pc.hasL0, pc.hasRowsCap = int64(l0), int64(rows), true, true
	if mp, err := number(priv, "min_persons"); err == nil {
		pc.minPersons, pc.hasMinPersons = int64(mp), true
	}
	if !(pc.epsilon > 0) || pc.l0 < 1 || pc.rowsCap < 1 || pc.delta < 0 {
		return pc, nil, errors.New("effective_config privacy holds an impossible epsilon, delta or bound")
	}

	rawTables, ok := eff["tables"].([]any)
	if !ok || len(rawTables) == 0 {
		return pc, nil, errors.New("effective_config has no tables")
	}
	type cfgTable struct {
		name    string
		private bool
		groupBy []string
		aggs    []cfgAgg
	}
	var tables []cfgTable
	mechanisms, private := 0, 0
	for i, rt := range rawTables {
		m, ok := rt.(map[string]any)
		if !ok {
			return pc, nil, fmt.Errorf("effective_config tables[%d] is not a map", i)
		}
		ct := cfgTable{private: m["partitions"] != "public"}
		ct.name, _ = m["name"].(string)
		if gb, ok := m["group_by"].([]any); ok {
			for _, g := range gb {
				s, _ := g.(string)
				ct.groupBy = append(ct.groupBy, s)
			}
		}
		rawAggs, _ := m["aggregates"].([]any)
		for j, ra := range rawAggs {
			ag, err := parseAgg(ra)
			if err != nil {
				return pc, nil, fmt.Errorf("effective_config tables[%d].aggregates[%d]: %w", i, j, err)
			}
			ct.aggs = append(ct.aggs, ag)
		}
		if !slices.ContainsFunc(ct.aggs, func(a cfgAgg) bool { return a.kind == "persons" }) {
			ct.aggs = append([]cfgAgg{{kind: "persons", weight: 1}}, ct.aggs...)
		}
		mechanisms += len(ct.aggs)
		if ct.private {
			private++
			mechanisms++
		}
		tables = append(tables, ct)
	}

	var noiseDelta, thresholdDelta float64
	switch {
	case pc.noise == "gaussian":
		noiseDelta = pc.delta / float64(mechanisms)
		thresholdDelta = noiseDelta
	case private > 0:
		thresholdDelta = pc.delta / float64(private)
	}
	tableEps := pc.epsilon / float64(len(tables))
	var out []expectedTable
	for _, ct := range tables {
		et := expectedTable{name: ct.name, private: ct.private, groupBy: ct.groupBy}
		var weights float64
		for _, ag := range ct.aggs {
			weights += ag.weight
		}
		for _, ag := range ct.aggs {
			eps := tableEps * ag.weight / weights
			e := expected{kind: ag.kind, epsilon: eps, l0: pc.l0}
			if ag.kind != "persons" {
				lo, hi := ag.min, ag.max
				e.min, e.max = &lo, &hi
			}
			switch ag.kind {
			case "persons":
				e.column, e.lInf = "persons", 1
			case "sum":
				e.column, e.lInf = ag.column+"_sum", math.Max(math.Abs(ag.min), math.Abs(ag.max))*float64(pc.rowsCap)
			case "mean":
				e.column, e.lInf = ag.column+"_mean", float64(pc.rowsCap)
			case "quantiles":
				e.kind, e.lInf = "quantile", float64(pc.rowsCap)
			}
			if ag.kind == "persons" || ag.kind == "sum" {
				var s float64
				if pc.noise == "gaussian" {
					s = noise.SigmaForGaussian(e.l0, e.lInf, eps, noiseDelta)
				} else {
					s = float64(e.l0) * e.lInf / eps
				}
				e.scale = &s
			}
			if ag.kind == "quantiles" {
				for k, r := range ag.ranks {
					q := e
					q.column = ag.column + "_" + rankSuffix(r)
					if k > 0 {
						q.epsilon = 0 // ranks share the first rank's budget
					}
					et.columns = append(et.columns, q)
				}
				continue
			}
			et.columns = append(et.columns, e)
			if ag.kind == "persons" && ct.private {
				var nz noise.Noise = noise.Laplace()
				if pc.noise == "gaussian" {
					nz = noise.Gaussian()
				}
				k, err := nz.Threshold(pc.l0, 1, eps, noiseDelta, thresholdDelta)
				if err != nil {
					return pc, nil, fmt.Errorf("table %s: selection threshold: %w", ct.name, err)
				}
				th := math.Max(math.Ceil(k), float64(pc.minPersons))
				et.threshold, et.thresholdK = &th, k
			}
		}
		out = append(out, et)
	}
	return pc, out, nil
}

// rankSuffix names a quantile rank's column as SPEC.md does: 0.5 → p50, 0.995 → p99_5.
func rankSuffix(rank float64) string {
	pct := strconv.FormatFloat(math.Round(rank*100*1e6)/1e6, 'f', -1, 64)
	return "p" + strings.ReplaceAll(pct, ".", "_")
}

func number(m map[string]any, key string) (float64, error) {
	v, ok := m[key].(float64)
	if !ok || math.IsNaN(v) {
		return 0, fmt.Errorf("effective_config privacy.%s is not a number", key)
	}
	return v, nil
}

// parseAgg reads one aggregate: the string "persons", or a map with one kind key naming the
// measure ({"sum": "fee", "min": 0, "max": 500, "weight": 1, "ranks": [...]}).
func parseAgg(v any) (cfgAgg, error) {
	if s, ok := v.(string); ok {
		if s != "persons" {
			return cfgAgg{}, fmt.Errorf("unknown aggregate %q", s)
		}
		return cfgAgg{kind: "persons", weight: 1}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return cfgAgg{}, errors.New("neither a string nor a map")
	}
	var ag cfgAgg
	for _, k := range []string{"persons", "sum", "mean", "quantiles"} {
		if c, ok := m[k]; ok {
			if ag.kind != "" {
				return cfgAgg{}, errors.New("more than one kind")
			}
			ag.kind = k
			ag.column, _ = c.(string)
		}
	}
	if ag.kind == "" {
		return cfgAgg{}, errors.New("no kind (persons, sum, mean or quantiles)")
	}
	ag.weight = 1
	if w, ok := m["weight"].(float64); ok && w > 0 {
		ag.weight = w
	}
	if ag.kind == "persons" {
		return ag, nil
	}
	if ag.column == "" {
		return cfgAgg{}, fmt.Errorf("%s names no column", ag.kind)
	}
	var okMin, okMax bool
	ag.min, okMin = m["min"].(float64)
	ag.max, okMax = m["max"].(float64)
	if !okMin || !okMax {
		return cfgAgg{}, fmt.Errorf("%s %s lacks min or max", ag.kind, ag.column)
	}
	if ag.kind == "quantiles" {
		rs, _ := m["ranks"].([]any)
		for _, r := range rs {
			f, ok := r.(float64)
			if !ok {
				return cfgAgg{}, fmt.Errorf("quantiles %s: a rank is not a number", ag.column)
			}
			ag.ranks = append(ag.ranks, f)
		}
		if len(ag.ranks) == 0 {
			return cfgAgg{}, fmt.Errorf("quantiles %s has no ranks", ag.column)
		}
	}
	return ag, nil
}

func (a *auditor) checkNoiseScales() Result {
	var p problems
	pc, tables, err := recompute(a.rep.EffectiveConfig)
	if err != nil {
		p.add("%v", err)
		return p.result(CheckNoiseScales)
	}

	// The report's privacy block must be the effective config's.
	pr := a.rep.Privacy
	if !near(pr.Epsilon, pc.epsilon, epsTol) || !near(pr.Delta, pc.delta, epsTol) || pr.Noise != pc.noise ||
		int64(pr.MaxPartitionsPerPerson) != pc.l0 || int64(pr.MaxRowsPerPersonPerPartition) != pc.rowsCap ||
		(pc.hasMinPersons && int64(pr.MinPersons) != pc.minPersons) {
		p.add("the report's privacy block differs from its effective_config")
	}
	if b, err := json.Marshal(a.rep.EffectiveConfig); err == nil {
		sum := sha256.Sum256(b)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), a.rep.EffectiveConfigSHA256) {
			p.add("effective_config does not hash to effective_config_sha256")
		}
	}

	if len(tables) != len(a.rep.Tables) {
		p.add("effective_config has %d tables, the report %d", len(tables), len(a.rep.Tables))
		return p.result(CheckNoiseScales)
	}
	for i, et := range tables {
		t := a.rep.Tables[i]
		if t.Name != et.name {
			p.add("table %d is %s in the report, %s in effective_config", i+1, t.Name, et.name)
			continue
		}
		if (t.Partitions == "public") == et.private {
			p.add("table %s: partitions differ from effective_config", t.Name)
		}
		if !slices.Equal(t.GroupBy, et.groupBy) {
			p.add("table %s: group_by differs from effective_config", t.Name)
		}
		a.compareAggregates(&p, t, et)
		switch {
		case et.threshold == nil && t.SelectionThresholdPersons != nil:
			p.add("table %s: a public table with a selection threshold", t.Name)
		case et.threshold != nil && t.SelectionThresholdPersons == nil:
			p.add("table %s: a private table without selection_threshold_persons", t.Name)
		case et.threshold != nil && !thresholdMatches(*t.SelectionThresholdPersons, et.thresholdK, float64(pc.minPersons)):
			p.add("table %s: selection_threshold_persons %s, recomputed %s", t.Name, num(*t.SelectionThresholdPersons), num(*et.threshold))
		}
	}
	return p.result(CheckNoiseScales)
}

// thresholdMatches accepts max(ceil(k), min) computed either side of a k that sits, within
// float error, on a whole number.
func thresholdMatches(got, k, minPersons float64) bool {
	for _, kk := range []float64{k - 1e-9, k + 1e-9} {
		if got == math.Max(math.Ceil(kk), minPersons) {
			return true
		}
	}
	return false
}

func (a *auditor) compareAggregates(p *problems, t report.Table, et expectedTable) {
	byCol := map[string]report.Aggregate{}
	for _, ag := range t.Aggregates {
		if _, dup := byCol[ag.Column]; dup {
			p.add("table %s: column %s is listed twice", t.Name, ag.Column)
		}
		byCol[ag.Column] = ag
	}
	want := map[string]bool{}
	for _, e := range et.columns {
		want[e.column] = true
		ag, ok := byCol[e.column]
		if !ok {
			p.add("table %s: no aggregate entry for %s", t.Name, e.column)
			continue
		}
		where := "table " + t.Name + ", " + e.column
		if ag.Kind != e.kind {
			p.add("%s: kind %s, effective_config says %s", where, ag.Kind, e.kind)
		}
		if !near(ag.Epsilon, e.epsilon, epsTol) {
			p.add("%s: epsilon %s, recomputed %s", where, num(ag.Epsilon), num(e.epsilon))
		}
		if ag.L0 != e.l0 || !near(ag.LInf, e.lInf, epsTol) {
			p.add("%s: sensitivity (l0 %d, linf %s), recomputed (l0 %d, linf %s)", where, ag.L0, num(ag.LInf), e.l0, num(e.lInf))
		}
		if e.min != nil && (ag.Min == nil || ag.Max == nil || *ag.Min != *e.min || *ag.Max != *e.max) {
			p.add("%s: bounds differ from effective_config", where)
		}
		switch {
		case e.scale == nil && ag.NoiseScale != nil:
			p.add("%s: has a noise_scale, but a %s is not one noisy value", where, e.kind)
		case e.scale != nil && ag.NoiseScale == nil:
			p.add("%s: noise_scale missing", where)
		case e.scale != nil && !near(*ag.NoiseScale, *e.scale, scaleTol):
			p.add("%s: noise_scale %s, recomputed %s", where, num(*ag.NoiseScale), num(*e.scale))
		}
	}
	for _, ag := range t.Aggregates {
		if !want[ag.Column] {
			p.add("table %s: aggregate %s is not in effective_config", t.Name, ag.Column)
		}
	}
}
