package ledger

import (
	"testing"
	"time"
)

func TestPeriods(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	cases := []struct {
		name   string
		t      time.Time
		kind   string
		want   string
		wantAt time.Time
	}{
		{"year", time.Date(2026, 11, 24, 12, 0, 0, 0, hel), "year", "2026", time.Date(2026, 1, 1, 0, 0, 0, 0, hel)},
		{"quarter 4", time.Date(2026, 11, 24, 12, 0, 0, 0, hel), "quarter", "2026-Q4", time.Date(2026, 10, 1, 0, 0, 0, 0, hel)},
		{"quarter 1 first instant", time.Date(2026, 1, 1, 0, 0, 0, 0, hel), "quarter", "2026-Q1", time.Date(2026, 1, 1, 0, 0, 0, 0, hel)},
		{"quarter 1 last instant", time.Date(2026, 3, 31, 23, 59, 59, 999999999, hel), "quarter", "2026-Q1", time.Date(2026, 1, 1, 0, 0, 0, 0, hel)},
		{"quarter 2", time.Date(2026, 4, 1, 0, 0, 0, 0, hel), "quarter", "2026-Q2", time.Date(2026, 4, 1, 0, 0, 0, 0, hel)},
		{"quarter 3", time.Date(2026, 9, 30, 10, 0, 0, 0, hel), "quarter", "2026-Q3", time.Date(2026, 7, 1, 0, 0, 0, 0, hel)},
		{"month", time.Date(2026, 2, 28, 10, 0, 0, 0, hel), "month", "2026-02", time.Date(2026, 2, 1, 0, 0, 0, 0, hel)},
		{"month across DST", time.Date(2026, 3, 31, 10, 0, 0, 0, hel), "month", "2026-03", time.Date(2026, 3, 1, 0, 0, 0, 0, hel)},
		{"new year in Helsinki, old year in UTC", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC).In(hel), "year", "2027", time.Date(2027, 1, 1, 0, 0, 0, 0, hel)},
		{"same instant in UTC", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "year", "2026", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year padded", time.Date(987, 5, 1, 0, 0, 0, 0, time.UTC), "year", "0987", time.Date(987, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"unknown kind", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), "week", "", time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PeriodOf(c.t, c.kind); got != c.want {
				t.Errorf("PeriodOf = %q, want %q", got, c.want)
			}
			got := PeriodStart(c.t, c.kind)
			if !got.Equal(c.wantAt) || got.Location() != c.wantAt.Location() {
				t.Errorf("PeriodStart = %v, want %v", got, c.wantAt)
			}
			if c.want != "" && PeriodOf(got, c.kind) != c.want {
				t.Errorf("PeriodStart is not in its own period")
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"2026", "2026", true},
		{"2026", "2026-Q4", true},
		{"2026-Q4", "2026-11", true},
		{"2026-Q4", "2026-09", false},
		{"2026-Q3", "2026-09", true},
		{"2026", "2025-12", false},
		{"2026-01", "2026-01", true},
		{"2026-01", "2026-02", false},
		{"2026-Q1", "2026-Q2", false},
		{"junk", "2026", false},
		{"junk", "junk", true},
	}
	for _, c := range cases {
		if got := Overlaps(c.a, c.b); got != c.want {
			t.Errorf("Overlaps(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := Overlaps(c.b, c.a); got != c.want {
			t.Errorf("Overlaps(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

// TestBudgetAcrossPeriodKinds: a register's monthly spend counts against its year and the
// year's against each month, so switching period kinds cannot reopen a spent budget.
func TestBudgetAcrossPeriodKinds(t *testing.T) {
	l := &Ledger{Entries: []Entry{
		{Register: "r", Period: "2026", Epsilon: 3, EpsilonPerPeriod: 4},
		{Register: "r", Period: "2026-11", Epsilon: 0.5, EpsilonPerPeriod: 1},
	}}
	if got := l.Spent("r", "2026-11"); got != 3.5 {
		t.Errorf("spent in 2026-11 = %v, want 3.5", got)
	}
	if got := l.Spent("r", "2026"); got != 3.5 {
		t.Errorf("spent in 2026 = %v, want 3.5", got)
	}
	if l.Fits("r", "2026-12", 1.5, 4) {
		t.Error("a December release of 1.5 fits although the year has 0.5 left")
	}
	if got := l.Limit("r", "2026-Q4", 4); got != 1 {
		t.Errorf("limit in 2026-Q4 = %v, want the lowest recorded (1)", got)
	}
}
