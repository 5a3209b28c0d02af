package ledger

import (
	"errors"
	"math"
	"testing"
)

func entryIn(job, release, register, period string, eps, limit float64) Entry {
	e := entry(job, release, eps)
	e.Register, e.Period, e.EpsilonPerPeriod = register, period, limit
	return e
}

func TestBudgetArithmetic(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name       string
		entries    []Entry
		eps        float64 // the new release
		configured float64
		spent      float64
		limit      float64
		remaining  float64
		fits       bool
	}{
		{"empty ledger", nil, 1, 4, 0, 4, 4, true},
		{"empty ledger, release larger than the limit", nil, 4.5, 4, 0, 4, 4, false},
		{"4 x 1.0 fits 4.0 exactly", []Entry{
			entryIn("a", "1", "R", "2026", 1, 4), entryIn("a", "2", "R", "2026", 1, 4), entryIn("b", "3", "R", "2026", 1, 4),
		}, 1, 4, 3, 4, 1, true},
		{"a fifth 1.0 does not fit 4.0", []Entry{
			entryIn("a", "1", "R", "2026", 1, 4), entryIn("a", "2", "R", "2026", 1, 4),
			entryIn("a", "3", "R", "2026", 1, 4), entryIn("b", "4", "R", "2026", 1, 4),
		}, 1, 4, 4, 4, 0, false},
		{"0.1 + 0.2 fits 0.3 (float sum would not)", []Entry{entryIn("a", "1", "R", "2026", 0.1, 0.3)}, 0.2, 0.3, 0.1, 0.3, 0.2, true},
		{"ten 0.1 fit 1.0", []Entry{
			entryIn("a", "1", "R", "2026", 0.1, 1), entryIn("a", "2", "R", "2026", 0.1, 1), entryIn("a", "3", "R", "2026", 0.1, 1),
			entryIn("a", "4", "R", "2026", 0.1, 1), entryIn("a", "5", "R", "2026", 0.1, 1), entryIn("a", "6", "R", "2026", 0.1, 1),
			entryIn("a", "7", "R", "2026", 0.1, 1), entryIn("a", "8", "R", "2026", 0.1, 1), entryIn("a", "9", "R", "2026", 0.1, 1),
		}, 0.1, 1, 0.9, 1, 0.1, true},
		{"a hair over does not fit", []Entry{entryIn("a", "1", "R", "2026", 3, 4)}, 1.0000000001, 4, 3, 4, 1, false},
		{"a limit never rises: recorded 2 beats configured 4", []Entry{entryIn("a", "1", "R", "2026", 1.5, 2)}, 1, 4, 1.5, 2, 0.5, false},
		{"a lower configured limit applies", []Entry{entryIn("a", "1", "R", "2026", 1, 4)}, 1, 1.5, 1, 1.5, 0.5, false},
		{"other registers and periods do not count", []Entry{
			entryIn("a", "1", "Other", "2026", 3, 4), entryIn("a", "2", "R", "2025", 3, 4), entryIn("a", "3", "R", "2025-Q4", 3, 4),
		}, 4, 4, 0, 4, 4, true},
		{"other registers' limits do not apply", []Entry{entryIn("a", "1", "Other", "2026", 0.1, 0.1)}, 2, 4, 0, 4, 4, true},
		{"no configured limit", []Entry{entryIn("a", "1", "R", "2026", 1, 4)}, 3, inf, 1, 4, 3, true},
		{"overspent by an edited ledger: remaining is 0", []Entry{entryIn("a", "1", "R", "2026", 5, 4)}, 0, 4, 5, 4, 0, false},
		{"zero epsilon fits a full period", []Entry{entryIn("a", "1", "R", "2026", 4, 4)}, 0, 4, 4, 4, 0, true},
		{"NaN epsilon never fits", nil, math.NaN(), 4, 0, 4, 4, false},
		{"infinite epsilon never fits", nil, inf, inf, 0, inf, inf, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &Ledger{Entries: c.entries}
			if got := l.Spent("R", "2026"); got != c.spent {
				t.Errorf("Spent = %v, want %v", got, c.spent)
			}
			if got := l.Limit("R", "2026", c.configured); got != c.limit {
				t.Errorf("Limit = %v, want %v", got, c.limit)
			}
			if got := l.Remaining("R", "2026", c.configured); got != c.remaining {
				t.Errorf("Remaining = %v, want %v", got, c.remaining)
			}
			if got := l.Fits("R", "2026", c.eps, c.configured); got != c.fits {
				t.Errorf("Fits(%v) = %v, want %v", c.eps, got, c.fits)
			}
			err := l.Check("new", "r", "R", "2026", c.eps, c.configured)
			if c.fits && err != nil || !c.fits && !errors.Is(err, ErrBudgetExceeded) {
				t.Errorf("Check = %v, want fits=%v", err, c.fits)
			}
		})
	}
}

func TestCheckReleaseExists(t *testing.T) {
	l := &Ledger{Entries: []Entry{entryIn("a", "2026-11-24", "R", "2026", 1, 4)}}
	cases := []struct {
		name, job, release string
		eps                float64
		want               error
	}{
		{"same job and release", "a", "2026-11-24", 1, ErrReleaseExists},
		{"same release wins over the budget", "a", "2026-11-24", 100, ErrReleaseExists},
		{"another job may use the id", "b", "2026-11-24", 1, nil},
		{"another release", "a", "2026-11-25", 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := l.Check(c.job, c.release, "R", "2026", c.eps, 4); !errors.Is(err, c.want) || c.want == nil && err != nil {
				t.Errorf("Check = %v, want %v", err, c.want)
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	l := &Ledger{Entries: []Entry{entryIn("a", "1", "R", "2026", 3.5, 4)}}
	err := l.Check("a", "2", "R", "2026", 1, 4)
	want := "register R period 2026: spent 3.5 + this release 1 > limit 4: the release would exceed the period's privacy budget"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
