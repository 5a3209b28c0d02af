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
