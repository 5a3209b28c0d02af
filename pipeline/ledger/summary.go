package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"text/tabwriter"
)

// Summary is what `statexport budget` prints. Its JSON shape (--json) is:
//
//	{"registers":[{"register":"…",
//	               "periods":[{"period":"2026","releases":2,"spent":2,"limit":4,"remaining":2}],
//	               "lifetime":{"releases":2,"spent":2}}],
//	 "chain":{"intact":true,"entries":2,"head":"<hex>","torn_tail":false}}
//
// with "chain" also holding "error" (the message) and "line" (1-based) when the chain is broken.
// Registers are sorted by name, periods by name; numbers are JSON numbers.
type Summary struct {
	Registers []RegisterSummary `json:"registers"`
	Chain     ChainStatus       `json:"chain"`
}

// RegisterSummary is one register's spend per period and over its lifetime.
type RegisterSummary struct {
	Register string          `json:"register"`
	Periods  []PeriodSummary `json:"periods"`
	Lifetime Lifetime        `json:"lifetime"`
}

// PeriodSummary is one register's budget in one period. With a job filter, Releases and Spent
// count that job's releases only, while Limit and Remaining stay the register's (every job on
// the register shares the budget), so Remaining is what any job may still spend.
type PeriodSummary struct {
	Period    string  `json:"period"`
	Releases  int     `json:"releases"`
	Spent     float64 `json:"spent"`
	Limit     float64 `json:"limit"`     // the lowest epsilon_per_period recorded for the period
	Remaining float64 `json:"remaining"` // limit − spent by every job, at least 0
}

// Lifetime is a register's total over every period (of the selected job, with a job filter).
type Lifetime struct {
	Releases int     `json:"releases"`
	Spent    float64 `json:"spent"`
}

// ChainStatus is the hash chain's state as Read found it.
type ChainStatus struct {
	Intact   bool   `json:"intact"`
	Entries  int    `json:"entries"` // well-formed entries read, whatever the filters
	Head     string `json:"head"`    // sha256 of the last complete line; "" for an empty ledger
	TornTail bool   `json:"torn_tail"`
	Error    string `json:"error,omitempty"`
	Line     int    `json:"line,omitempty"` // the first broken line, 1-based
}

// Summarize computes the budget summary of l, restricted to register and to job when they are
// not "". It uses every well-formed entry of a broken ledger, and says in Chain where it broke.
func Summarize(l *Ledger, register, job string) Summary {
	type acc struct {
		releases int
		spent    *big.Rat
	}
	type key struct{ register, period string }
	periods := map[key]*acc{}
	lifetime := map[string]*acc{}
	for _, e := range l.Entries {
		if register != "" && e.Register != register || job != "" && e.Job != job {
			continue
		}
		k := key{e.Register, e.Period}
		if periods[k] == nil {
			periods[k] = &acc{spent: new(big.Rat)}
		}
		if lifetime[e.Register] == nil {
			lifetime[e.Register] = &acc{spent: new(big.Rat)}
		}
		for _, a := range []*acc{periods[k], lifetime[e.Register]} {
			a.releases++
			a.spent.Add(a.spent, dec(e.Epsilon))
		}
	}
	s := Summary{Registers: []RegisterSummary{}}
	for reg, life := range lifetime {
		rs := RegisterSummary{Register: reg, Periods: []PeriodSummary{},
			Lifetime: Lifetime{Releases: life.releases, Spent: toFloat(life.spent)}}
		for k, a := range periods {
			if k.register != reg {
				continue
			}
			// Entries exist for k, so the recorded limit is finite.
			lim := l.Limit(k.register, k.period, posInf)
			rs.Periods = append(rs.Periods, PeriodSummary{Period: k.period, Releases: a.releases,
				Spent: toFloat(a.spent), Limit: lim, Remaining: l.Remaining(k.register, k.period, posInf)})
		}
		sort.Slice(rs.Periods, func(i, j int) bool { return rs.Periods[i].Period < rs.Periods[j].Period })
		s.Registers = append(s.Registers, rs)
	}
	sort.Slice(s.Registers, func(i, j int) bool { return s.Registers[i].Register < s.Registers[j].Register })
	s.Chain = ChainStatus{Intact: l.Broken == nil, Entries: len(l.Entries), Head: l.Head, TornTail: l.Torn}
	if l.Broken != nil {
		s.Chain.Error = l.Broken.Error()
		var le *LineError
		if errors.As(l.Broken, &le) {
			s.Chain.Line = le.Line
		}
	}
	return s
}

// WriteJSON writes s as one JSON object and a newline.
func (s Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// WriteText writes s as a table, one row per register and period and a lifetime row per
// register, followed by the chain's status:
//
//	REGISTER  PERIOD    RELEASES  SPENT  LIMIT  REMAINING
//	Reg       2026      2         2      4      2
//	Reg       lifetime  2         2      -      -
//
//	chain: intact, 2 entries, head <hex>
func (s Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(s.Registers) == 0 {
		fmt.Fprintln(tw, "no releases")
	} else {
		fmt.Fprintln(tw, "REGISTER\tPERIOD\tRELEASES\tSPENT\tLIMIT\tREMAINING")
		for _, r := range s.Registers {
			for _, p := range r.Periods {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Register, p.Period, p.Releases,
					fmtNum(p.Spent), fmtNum(p.Limit), fmtNum(p.Remaining))
			}
			fmt.Fprintf(tw, "%s\tlifetime\t%d\t%s\t-\t-\n", r.Register, r.Lifetime.Releases, fmtNum(r.Lifetime.Spent))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c := s.Chain
	var err error
	switch {
	case c.Intact && c.Entries == 0:
		_, err = fmt.Fprintf(w, "\nchain: intact, empty ledger\n")
	case c.Intact:
		_, err = fmt.Fprintf(w, "\nchain: intact, %d %s, head %s\n", c.Entries, plural(c.Entries, "entry", "entries"), c.Head)
	default:
		_, err = fmt.Fprintf(w, "\nchain: BROKEN at line %d: %s\n", c.Line, c.Error)
	}
	if err == nil && c.TornTail {
		_, err = fmt.Fprintln(w, "note: the last line is incomplete (a run was killed while appending); it was never committed and the next run removes it")
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

var posInf = math.Inf(1)
