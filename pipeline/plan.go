package pipeline

import (
	"fmt"
	"io"
	"strconv"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/config"
)

// LargeThreshold is the selection threshold (persons) above which the plan warns that a private
// table will release little.
const LargeThreshold = 50

// PrintPlan writes the privacy plan: per table and aggregate the ε and δ shares, the noise scale,
// the data-independent 95 % half-width and, for private tables, the selection threshold. It
// computes no noisy value.
func PrintPlan(w io.Writer, j *config.Job, p *anonymize.Plan) {
	fmt.Fprintf(w, "privacy plan for job %s (register %q)\n", j.Job, j.Register.Name)
	fmt.Fprintf(w, "  release: epsilon %s, delta %s, %s noise; each person: at most %d cells per table, %d rows per cell; min_persons %d\n",
		num(p.Epsilon), num(p.Delta), p.Noise, p.L0, p.RowsCap, p.MinPersons)
	for _, t := range p.Tables {
		kind := "public partitions"
		if t.Private {
			kind = "private partitions"
		}
		fmt.Fprintf(w, "  table %s (%s; group by %v): epsilon %s, delta %s\n", t.Name, kind, t.GroupBy, num(t.Epsilon), num(t.Delta))
		if t.Private {
			fmt.Fprintf(w, "    selection: a cell is released only when its noisy persons count is at least %s (DP threshold %s, min_persons %d)\n",
				num(t.SelectionThreshold), num(t.DPThreshold), p.MinPersons)
			if t.SelectionThreshold > LargeThreshold {
				fmt.Fprintf(w, "    warning: the selection threshold is above %d persons: small registers release little under private partitions; prefer public partitions\n", LargeThreshold)
			}
		}
		for _, m := range t.Mechanisms {
			for i, col := range m.Columns {
				eps, delta := m.Epsilon, m.NoiseDelta+m.ThresholdDelta
				shared := ""
				if i > 0 {
					eps, delta, shared = 0, 0, " (shares the budget of "+m.Columns[0]+")"
				}
				fmt.Fprintf(w, "    %-24s epsilon %-10s delta %-10s noise scale %-10s ci95 half-width %s%s\n",
					col, num(eps), num(delta), optNum(m.NoiseScale), optNum(m.CI95), shared)
			}
		}
	}
}

func (r *run) printPlan(w io.Writer, withInput bool) {
	PrintPlan(w, r.job, r.plan)
	fmt.Fprintf(w, "  budget: register %q period %s: spent %s of %s; this release %s\n",
		r.job.Register.Name, r.period, num(r.spent), num(r.limit), num(r.plan.Epsilon))
	if withInput {
		fmt.Fprintf(w, "  input: %d rows read, %d rejected, %d excluded (consent withdrawn), %d outside public values\n",
			r.input.RowsRead, r.input.RowsRejected, r.input.RowsExcludedConsent, r.input.RowsOutsidePublicValues)
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func optNum(v *float64) string {
	if v == nil {
		return "null"
	}
	return num(*v)
}
