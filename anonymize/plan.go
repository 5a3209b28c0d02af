package anonymize

import (
	"fmt"
	"math"

	"github.com/google/differential-privacy/go/v3/noise"
	"github.com/statexport/statexport/config"
)

// FixedPointScale turns measure values into integers for the DP library's integer sums: floating
// sums can leak through rounding (DP-NOTES #4), so sums are computed in thousandths. config
// validates bounds against the same scale.
const FixedPointScale = config.FixedPointScale

// CIAlpha is the error rate of the reported confidence intervals (95 %).
const CIAlpha = 0.05

// Plan is a release's privacy plan: how ε and δ are split over tables and mechanisms, the noise
// each mechanism adds and the selection threshold of each private table. It depends on the
// config only, never on the data, so `validate` and `--dry-run` print it without reading rows.
type Plan struct {
	Epsilon    float64
	Delta      float64
	Noise      string // laplace | gaussian
	L0         int64  // max_partitions_per_person
	RowsCap    int64  // max_rows_per_person_per_partition
	MinPersons int
	Tables     []TablePlan
}

// TablePlan is one table's share of the budget and its mechanisms.
type TablePlan struct {
	Name    string
	Private bool
	GroupBy []string
	Epsilon float64 // Σ of the mechanisms' ε
	Delta   float64 // Σ of the mechanisms' δ (noise and threshold)
	// DPThreshold is the smallest noisy persons count ThresholdedResult keeps (rounded up as the
	// library does); SelectionThreshold is the larger of it and min_persons. Private tables only.
	DPThreshold        float64
	SelectionThreshold float64
	Mechanisms         []Mechanism
}

// Mechanism is one DP aggregation in a table: persons, a sum, a mean or a set of quantiles.
type Mechanism struct {
	Kind    string  // config.AggPersons | AggSum | AggMean | AggQuantiles
	Source  string  // the measure column; empty for persons
	Min     float64 // clamp bounds of each row's value
	Max     float64 //
	Ranks   []float64
	Weight  float64
	Columns []string // output columns: persons | x_sum | x_mean | x_p50, x_p90 ...

	Epsilon        float64
	NoiseDelta     float64 // δ given to the noise (0 with Laplace)
	ThresholdDelta float64 // δ spent by the persons threshold of a private table
	L0             int64   // partitions one person may change
	LInf           float64 // how much one person may change one cell's value (in output units)
	// NoiseScale is the Laplace b or Gaussian σ of the noise on the released value, nil where the
	// released value is not one noisy value (means, quantiles).
	NoiseScale *float64
	// CI95 is the half-width of the noise's 95 % interval where it does not depend on the data
	// (persons and sums), nil otherwise.
	CI95 *float64
}

// NewPlan splits the release's budget as SPEC.md's "Privacy budget split" says: ε evenly over
// tables, a table's share over its aggregates by weight; δ all to the private tables' thresholds
// with Laplace noise, evenly over every mechanism with Gaussian noise.
func NewPlan(j *config.Job) (*Plan, error) {
	p := &Plan{
		Epsilon:    j.Privacy.Epsilon,
		Delta:      j.Privacy.Delta,
		Noise:      j.Privacy.Noise,
		L0:         int64(j.Privacy.MaxPartitionsPerPerson),
		RowsCap:    int64(j.Privacy.MaxRowsPerPersonPerPartition),
		MinPersons: j.Privacy.MinPersons,
	}
	gaussian := p.Noise == "gaussian"
	private, mechanisms := 0, 0
	for _, t := range j.Tables {
		mechanisms += len(t.Aggregates)
		if t.Partitions != config.PartitionsPublic {
			private++
			mechanisms++ // the threshold
		}
	}
	var noiseDelta, thresholdDelta float64
	switch {
	case gaussian:
		noiseDelta = p.Delta / float64(mechanisms)
		thresholdDelta = noiseDelta
	case private > 0:
		thresholdDelta = p.Delta / float64(private)
	}
	tableEps := p.Epsilon / float64(len(j.Tables))
	for _, t := range j.Tables {
		tp := TablePlan{Name: t.Name, Private: t.Partitions != config.PartitionsPublic, GroupBy: t.GroupBy}
		var weights float64
		for _, a := range t.Aggregates {
			weights += weightOf(a)
		}
		for _, a := range t.Aggregates {
			m := Mechanism{
				Kind: a.Kind, Source: a.Column, Min: a.Min, Max: a.Max, Ranks: a.Ranks, Weight: weightOf(a),
				Epsilon:    tableEps * weightOf(a) / weights,
				NoiseDelta: noiseDelta,
				L0:         p.L0,
				Columns:    a.OutputColumns(),
			}
			switch a.Kind {
			case config.AggPersons:
				m.LInf = 1
				if tp.Private {
					m.ThresholdDelta = thresholdDelta
				}
			case config.AggSum:
				m.LInf = math.Max(math.Abs(a.Min), math.Abs(a.Max)) * float64(p.RowsCap)
			case config.AggMean, config.AggQuantiles:
				m.LInf = float64(p.RowsCap)
			}
			tp.Mechanisms = append(tp.Mechanisms, m)
		}
		p.Tables = append(p.Tables, tp)
	}
	p.fitShares()
	for ti := range p.Tables {
		tp := &p.Tables[ti]
		for mi := range tp.Mechanisms {
			m := &tp.Mechanisms[mi]
			if limit := maxMechanismEpsilon(p.Noise); m.Epsilon > limit {
				why := "its noise turns infinite"
				if gaussian {
					why = "its Gaussian sampler never finishes"
				}
				return nil, fmt.Errorf("table %s, %s: an ε share of %g is above %g, where the DP library breaks down (%s); lower privacy.epsilon",
					tp.Name, m.Columns[0], m.Epsilon, limit, why)
			}
			if m.Kind == config.AggPersons || m.Kind == config.AggSum {
				scale, ci, err := noiseFacts(p.Noise, *m)
				if err != nil {
					return nil, fmt.Errorf("table %s, %s: %w", tp.Name, m.Columns[0], err)
				}
				m.NoiseScale, m.CI95 = &scale, &ci
			}
			tp.Epsilon += m.Epsilon
			tp.Delta += m.NoiseDelta + m.ThresholdDelta
			if tp.Private && m.Kind == config.AggPersons {
				k, err := noiseOf(p.Noise).Threshold(m.L0, 1, m.Epsilon, m.NoiseDelta, m.ThresholdDelta)
				if err != nil {
					return nil, fmt.Errorf("table %s: selection threshold: %w", tp.Name, err)
				}
				tp.DPThreshold = math.Ceil(k)
				tp.SelectionThreshold = math.Max(tp.DPThreshold, float64(p.MinPersons))
			}
		}
	}
	return p, nil
}

// maxMechanismEpsilon is the largest ε one mechanism may get. Beyond about 709.7 the Gaussian
// calibration of the DP library v3.0.0 overflows exp(ε), its σ collapses to 0 and sampling
// loops forever; Laplace noise stays finite far longer but is +Inf by ε = 1e300. Both limits
// are far past any ε that protects anyone, so refusing them costs users nothing.
func maxMechanismEpsilon(noise string) float64 {
	if noise == "gaussian" {
		return 700
	}
	return 1e12
}

// fitShares makes the shares add up, in floating point and in report order, to at most the
// release's ε and δ: an even split such as 3 × (1/3) can round to 1 + 2⁻⁵². Where it would, the
// last shares are lowered by a few ulps — a little more noise, never less.
func (p *Plan) fitShares() {
	var eps, delta []*float64
	for ti := range p.Tables {
		for mi := range p.Tables[ti].Mechanisms {
			m := &p.Tables[ti].Mechanisms[mi]
			eps = append(eps, &m.Epsilon)
			delta = append(delta, &m.NoiseDelta, &m.ThresholdDelta)
		}
	}
	fitSum(eps, p.Epsilon, 1)
	fitSum(delta, p.Delta, 2)
}

// fitSum lowers the last non-zero values until the sum of vals, added in order (in groups of
// `group` values summed first, as the report shows them), is at most limit.
func fitSum(vals []*float64, limit float64, group int) {
	sum := func() float64 {
		var total float64
		for i := 0; i < len(vals); i += group {
			var g float64
			for k := i; k < i+group; k++ {
				g += *vals[k]
			}
			total += g
		}
		return total
	}
	for iter := 0; sum() > limit && iter < 1<<16; iter++ {
		for k := len(vals) - 1; k >= 0; k-- {
			if *vals[k] > 0 {
				*vals[k] = math.Nextafter(*vals[k], 0)
				break
			}
		}
	}
}

func weightOf(a config.Aggregate) float64 {
	if a.Weight > 0 {
		return a.Weight
	}
	return 1
}

// noiseFacts returns the noise scale and the data-independent 95 % half-width of a persons or sum
// mechanism, from the library's own formulas.
func noiseFacts(kind string, m Mechanism) (scale, ci95 float64, err error) {
	n := noiseOf(kind)
	if kind == "gaussian" {
		scale = noise.SigmaForGaussian(m.L0, m.LInf, m.Epsilon, m.NoiseDelta)
	} else {
		scale = float64(m.L0) * m.LInf / m.Epsilon
	}
	ci, err := n.ComputeConfidenceIntervalFloat64(0, m.L0, m.LInf, m.Epsilon, m.NoiseDelta, CIAlpha)
	if err != nil {
		return 0, 0, err
	}
	return scale, (ci.UpperBound - ci.LowerBound) / 2, nil
}

func noiseOf(kind string) noise.Noise {
	if kind == "gaussian" {
		return noise.Gaussian()
	}
	return noise.Laplace()
}

// HasErrorBars reports whether a mechanism's columns get a <name>_ci95 column (SPEC: after each
// persons, sum and mean column).
func (m Mechanism) HasErrorBars() bool {
	return m.Kind == config.AggPersons || m.Kind == config.AggSum || m.Kind == config.AggMean
}
