package testregister

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FromText types a register given as text (rows of strings in names order, as the
// conformance suite connectors/sourcetest writes it): columns named in kinds get that Kind,
// the others are Text. Number values are decimals with '.', Date values yyyy-mm-dd or
// d.m.yyyy; an empty string is empty (nil). Rows fails on a value its kind cannot read.
func FromText(names []string, rows [][]string, kinds map[string]Kind) ([]Column, Rows) {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Kind: kinds[n]}
	}
	return cols, func(emit func([]any) error) error {
		row := make([]any, len(cols))
		for r, text := range rows {
			for i, v := range text {
				var err error
				row[i], err = parseText(cols[i].Kind, v)
				if err != nil {
					return fmt.Errorf("%w: row %d column %q: %v", ErrValue, r+1, cols[i].Name, err)
				}
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	}
}

func parseText(k Kind, v string) (any, error) {
	if v == "" {
		return nil, nil
	}
	switch k {
	case Number:
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	case Date:
		return parseDate(v)
	}
	return v, nil
}

func parseDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse("2.1.2006", v)
}

// Canonical returns how a typed source hands back a value of kind k written as text v,
// turned to text as Arrow's ValueStr does: numbers in shortest form ("60.00" → "60"), dates
// as yyyy-mm-dd, text unchanged. Values it cannot read are returned unchanged.
func Canonical(k Kind, v string) string {
	x, err := parseText(k, v)
	if err != nil || x == nil {
		return v
	}
	switch x := x.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return v
}
