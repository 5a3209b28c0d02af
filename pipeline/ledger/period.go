package ledger

import (
	"fmt"
	"time"
)

// Period kinds (SPEC.md budget.period).
const (
	PeriodYear    = "year"
	PeriodQuarter = "quarter"
	PeriodMonth   = "month"
)

// PeriodOf names the period of kind period ("year", "quarter" or "month") that holds t, in t's
// location: "2026", "2026-Q4" or "2026-11". Convert t to budget.timezone first (t.In(loc)).
// It returns "" for any other kind (config validation rules those out).
func PeriodOf(t time.Time, period string) string {
	switch period {
	case PeriodYear:
		return fmt.Sprintf("%04d", t.Year())
	case PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case PeriodMonth:
		return fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
	}
	return ""
}

// PeriodStart returns the first instant (midnight of the first day) of the period of kind
// period that holds t, in t's location. It returns the zero Time for an unknown kind.
func PeriodStart(t time.Time, period string) time.Time {
	y, m, loc := t.Year(), t.Month(), t.Location()
	switch period {
	case PeriodYear:
		return time.Date(y, time.January, 1, 0, 0, 0, 0, loc)
	case PeriodQuarter:
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	case PeriodMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

// Overlaps reports whether two period labels ("2026", "2026-Q4", "2026-11") share a month.
// Budgets compare by overlap, not by label: were one job on a register to use years and
// another months, a month's spend must still count against its year, and the year's against
// each of its months. Labels that do not parse overlap only themselves.
func Overlaps(a, b string) bool {
	if a == b {
		return true
	}
	ya, fa, la, okA := monthsOf(a)
	yb, fb, lb, okB := monthsOf(b)
	return okA && okB && ya == yb && fa <= lb && fb <= la
}

// monthsOf parses a period label into its year and first and last month.
func monthsOf(p string) (year, first, last int, ok bool) {
	var n int
	switch {
	case len(p) == 4:
		if _, err := fmt.Sscanf(p, "%04d", &year); err == nil {
			return year, 1, 12, true
		}
	case len(p) == 7 && p[5] == 'Q':
		if _, err := fmt.Sscanf(p, "%04d-Q%d", &year, &n); err == nil && n >= 1 && n <= 4 {
			return year, 3*n - 2, 3 * n, true
		}
	case len(p) == 7:
		if _, err := fmt.Sscanf(p, "%04d-%02d", &year, &n); err == nil && n >= 1 && n <= 12 {
			return year, n, n, true
		}
	}
	return 0, 0, 0, false
}
