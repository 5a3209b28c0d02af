package ledger

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Budget arithmetic is exact: each float is taken at its shortest decimal form (the form
// encoding/json writes and a user types in a config), and sums and comparisons are done on
// those decimals as rationals. Float addition would make 0.1 + 0.2 exceed a limit of 0.3 and
// could, the other way round, let a tolerance admit a release that overspends; exact decimals
// do neither, so `spent + ε ≤ limit` holds to the letter (4 × 1.0 fits 4.0, 10 × 0.1 fits 1.0).

// dec is the exact value of x's shortest decimal form. x must be finite.
func dec(x float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok {
		panic(fmt.Sprintf("ledger: not a finite number: %v", x)) // validate() and callers rule this out
	}
	return r
}

func toFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// spent is the exact Σ epsilon of the entries for register (any job) whose period overlaps
// period (see Overlaps).
func (l *Ledger) spent(register, period string) *big.Rat {
	sum := new(big.Rat)
	for _, e := range l.Entries {
		if e.Register == register && Overlaps(e.Period, period) {
			sum.Add(sum, dec(e.Epsilon))
		}
	}
	return sum
}

// Spent returns Σ epsilon of the entries for register whose period overlaps period, whatever
// their job, rounded
// from the exact decimal sum (so 0.1 + 0.2 is 0.3).
func (l *Ledger) Spent(register, period string) float64 {
	return toFloat(l.spent(register, period))
}

// Limit returns the period's limit: the lowest of configured and every epsilon_per_period
// recorded for register in an overlapping period. A limit never rises. Pass math.Inf(1) as configured to get
// the recorded limit alone (math.Inf(1) when nothing is recorded).
func (l *Ledger) Limit(register, period string, configured float64) float64 {
	lim := configured
	for _, e := range l.Entries {
		if e.Register == register && Overlaps(e.Period, period) && e.EpsilonPerPeriod < lim {
			lim = e.EpsilonPerPeriod
		}
	}
	return lim
}

// Remaining returns Limit − Spent for register and period, computed exactly, and 0 when the
// period is already spent (or overspent by an edited ledger). It is +Inf when the limit is.
func (l *Ledger) Remaining(register, period string, configured float64) float64 {
	lim := l.Limit(register, period, configured)
	if math.IsInf(lim, 1) {
		return lim
	}
	r := new(big.Rat).Sub(dec(lim), l.spent(register, period))
	if r.Sign() <= 0 {
		return 0
	}
	return toFloat(r)
}

// Fits reports whether a release of epsilon on register in period keeps the period's spend
// within its limit (Limit with configured): exactly spent + epsilon ≤ limit. A NaN or infinite
// epsilon never fits.
func (l *Ledger) Fits(register, period string, epsilon, configured float64) bool {
	if math.IsNaN(epsilon) || math.IsInf(epsilon, 0) || epsilon < 0 || math.IsNaN(configured) {
		return false
	}
	lim := l.Limit(register, period, configured)
	if math.IsInf(lim, 1) {
		return true
	}
	total := new(big.Rat).Add(l.spent(register, period), dec(epsilon))
	return total.Cmp(dec(lim)) <= 0
}

// Check is step (3) of the publication protocol: it returns an error wrapping ErrReleaseExists
// when job's release is already in the ledger, an error wrapping ErrBudgetExceeded (stating
// spent, this release's ε and the limit) when it would not fit, the ledger's chain error when
// it is broken, and nil when the release may go ahead.
func (l *Ledger) Check(job, release, register, period string, epsilon, configured float64) error {
	if l.Broken != nil {
		return l.Broken
	}
	if l.Has(job, release) {
		return fmt.Errorf("job %s release %s: %w", job, release, ErrReleaseExists)
	}
	if !l.Fits(register, period, epsilon, configured) {
		return fmt.Errorf("register %s period %s: spent %s + this release %s > limit %s: %w",
			register, period, fmtNum(l.Spent(register, period)), fmtNum(epsilon),
			fmtNum(l.Limit(register, period, configured)), ErrBudgetExceeded)
	}
	return nil
}

// fmtNum is the shortest decimal form of x.
func fmtNum(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}
