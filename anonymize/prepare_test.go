package anonymize

import (
	"hash/maphash"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/statexport/statexport/config"
)

// prepJob: hetu person id, a padded+truncated postal code, a unit, a date dimension grouped by
// year, an ungrouped date dimension, a measure; age band and sex derived.
func prepJob() *config.Job {
	return &config.Job{
		Source: config.Source{Decimal: "auto"},
		Columns: []config.Column{
			{Name: "hetu", Role: config.RolePersonID, Format: "hetu"},
			{Name: "name", Role: config.RoleIdentifier},
			{Name: "postal", Role: config.RoleDimension, Width: 5, Generalize: &config.Generalize{Truncate: 3}},
			{Name: "unit", Role: config.RoleDimension},
			{Name: "start", Role: config.RoleDimension, Generalize: &config.Generalize{Date: "year"}},
			{Name: "end", Role: config.RoleDimension, Generalize: &config.Generalize{Date: "month"}},
			{Name: "free", Role: config.RoleDimension},
			{Name: "fee", Role: config.RoleMeasure},
		},
		Derive: map[string]config.Derived{
			"age_band": {From: "hetu", AgeAt: "period_start", Bands: []int{0, 3, 6, 13, 18, 65}},
			"sex":      {From: "hetu"},
		},
		Tables: []config.Table{{Name: "t", GroupBy: []string{"postal", "unit", "start", "age_band", "sex"}}},
	}
}

func stringRecord(t testing.TB, mem memory.Allocator, names []string, rows [][]string) arrow.Record {
	t.Helper()
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return b.NewRecord()
}

func TestPreparer(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	withdrawnHETU, _ := ParseHETU([]byte("010101A123N"))
	p, err := NewPreparer(PrepareOptions{
		Job: prepJob(), PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Withdrawn: map[uint64]struct{}{withdrawnHETU.Key: {}}, Seed: maphash.MakeSeed(),
	})
	if err != nil {
		t.Fatal(err)
	}
	// identifiers and ungrouped plain dimensions are never read
	wantKeep := []string{"hetu", "postal", "unit", "start", "end", "fee"}
	if got := p.Keep(); len(got) != len(wantKeep) {
		t.Fatalf("Keep = %v, want %v", got, wantKeep)
	}
	for i := range wantKeep {
		if p.Keep()[i] != wantKeep[i] {
			t.Fatalf("Keep = %v, want %v", p.Keep(), wantKeep)
		}
	}
	rows := [][]string{
		// hetu, postal, unit, start, end, fee
		{" 131052-308t ", "2100", "Kastanja", "1.2.2024", "2024-03-01", "1 234,50"}, // ok: lower case, blanks; postal padded → 021
		{"010101A123N", "10210", "Solbacka", "2024-01-01", "", "5"},                 // withdrawn: excluded, not rejected
		{"131052-308A", "10210", "Solbacka", "2024-01-01", "", "5"},                 // bad check character: rejected
		{"010523A002N", "10210", "Solbacka", "31.2.2024", "", "5"},                  // impossible grouped date: rejected
		{"010523A002N", "10210", "Solbacka", "2024-01-01", "2024-13-01", "5"},       // impossible ungrouped date: rejected
		{"010523A002N", "10210", "Solbacka", "2024-01-01", "", "5x"},                // not a number: rejected
		{"010523A002N", "", "a\u0308iti", "2024-01-01", "", ""},                     // ok: (missing), NFC, missing measure
	}
	rec := stringRecord(t, mem, wantKeep, rows)
	defer rec.Release()
	var got []Row
	err = p.Batch(rec, []int64{2, 3, 4, 5, 6, 7, 8}, func(r *Row) {
		c := *r
		c.Dims = append([]uint32(nil), r.Dims...)
		c.Vals = append([]float64(nil), r.Vals...)
		got = append(got, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Counts()
	if c.Read != 7 || c.Excluded != 1 || c.Rejected != 4 || len(got) != 2 {
		t.Fatalf("counts %+v, emitted %d; want read 7, excluded 1, rejected 4, emitted 2", c, len(got))
	}
	for reason, want := range map[string]Rejection{
		"hetu: invalid person id": {Row: 4, Count: 1},
		"start: invalid date":     {Row: 5, Count: 1},
		"end: invalid date":       {Row: 6, Count: 1},
		"fee: not a number":       {Row: 7, Count: 1},
	} {
		if c.FirstRejections[reason] != want {
			t.Errorf("rejection %q = %+v, want %+v (all: %v)", reason, c.FirstRejections[reason], want, c.FirstRejections)
		}
	}
	dims := p.Dimensions()
	text := func(r Row) map[string]string {
		m := map[string]string{}
		for k, name := range dims {
			m[name] = p.Value(k, r.Dims[k])
		}
		return m
	}
	want := []map[string]string{
		{"postal": "021", "unit": "Kastanja", "start": "2024", "age_band": "65+", "sex": "female"},
		{"postal": Missing, "unit": "äiti", "start": "2024", "age_band": "0-2", "sex": "female"},
	}
	for i, w := range want {
		g := text(got[i])
		for k, v := range w {
			if g[k] != v {
				t.Errorf("row %d %s = %q, want %q", i, k, g[k], v)
			}
		}
	}
	if got[0].Vals[0] != 1234.5 || !math.IsNaN(got[1].Vals[0]) {
		t.Errorf("fees %v %v, want 1234.5 and NaN (decimal comma detected from the first value)", got[0].Vals[0], got[1].Vals[0])
	}
	if got[0].Ordinal != 2 || got[1].Ordinal != 8 {
		t.Errorf("ordinals %d %d", got[0].Ordinal, got[1].Ordinal)
	}
}

// TestTypedNumbersIgnoreDecimalStyle: XLSX numeric cells and JSON numbers arrive as plain
// '.'-decimal text among text cells written in the file's style. The style (declared or
// detected) applies to the text cells only, and typed numbers never decide `auto`; a CSV is
// all text, so there the style applies to every value.
func TestTypedNumbersIgnoreDecimalStyle(t *testing.T) {
	mem := memory.NewGoAllocator()
	for _, c := range []struct {
		typ, decimal string
		fees         []string
		want         []float64 // NaN: the row was rejected
	}{
		{"xlsx", ",", []string{"100.5", "1 234,50", "7"}, []float64{100.5, 1234.5, 7}},
		{"jsonl", ",", []string{"-0.25", "12,5"}, []float64{-0.25, 12.5}},
		{"xlsx", "auto", []string{"100.5", "1 234,50", "7.25", "3,5"}, []float64{100.5, 1234.5, 7.25, 3.5}},
		{"jsonl", "auto", []string{"1 234.50", "2,5"}, []float64{1234.5, math.NaN()}}, // text with '.' decides
		{"jsonl", ".", []string{"2.5", "2,5"}, []float64{2.5, math.NaN()}},
		{"csv", ",", []string{"100.5", "1 234,50"}, []float64{math.NaN(), 1234.5}},
		{"csv", "auto", []string{"100,5", "7.25"}, []float64{100.5, math.NaN()}},
	} {
		j := &config.Job{
			Source:  config.Source{Type: c.typ, Decimal: c.decimal},
			Columns: []config.Column{{Name: "hetu", Role: config.RolePersonID, Format: "hetu"}, {Name: "fee", Role: config.RoleMeasure}},
			Tables:  []config.Table{{Name: "t"}},
		}
		p, err := NewPreparer(PrepareOptions{Job: j, PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Seed: maphash.MakeSeed()})
		if err != nil {
			t.Fatal(err)
		}
		rows := make([][]string, len(c.fees))
		ords := make([]int64, len(c.fees))
		for i, f := range c.fees {
			rows[i], ords[i] = []string{"131052-308T", f}, int64(i+2)
		}
		rec := stringRecord(t, mem, []string{"hetu", "fee"}, rows)
		got := map[int64]float64{}
		if err := p.Batch(rec, ords, func(r *Row) { got[r.Ordinal] = r.Vals[0] }); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		for i, w := range c.want {
			g, ok := got[int64(i+2)]
			if math.IsNaN(w) {
				if ok {
					t.Errorf("%s decimal %s: %q read as %v, want the row rejected", c.typ, c.decimal, c.fees[i], g)
				}
				continue
			}
			if !ok || g != w {
				t.Errorf("%s decimal %s: %q read as %v (kept %v), want %v", c.typ, c.decimal, c.fees[i], g, ok, w)
			}
		}
	}
}

// TestTimestampDates: a timestamp with a zone is an instant and counts on its date in
// budget.timezone (00:30 on 1 January in Helsinki is 2025, though it is still 2024 in UTC); one
// without a zone is a wall-clock time and counts on the date as written.
func TestTimestampDates(t *testing.T) {
	mem := memory.NewGoAllocator()
	instant := time.Date(2024, 12, 31, 22, 30, 0, 0, time.UTC) // 2025-01-01 00:30 in Helsinki
	for _, c := range []struct {
		zone, tz string
		want     string
	}{
		{"UTC", "Europe/Helsinki", "2025"},
		{"Europe/Helsinki", "Europe/Helsinki", "2025"},
		{"UTC", "UTC", "2024"},
		{"UTC", "America/New_York", "2024"},
		{"", "Europe/Helsinki", "2024"}, // wall clock 2024-12-31 22:30, as written
	} {
		j := &config.Job{
			Source:  config.Source{Type: "parquet"},
			Budget:  config.Budget{Timezone: c.tz},
			Columns: []config.Column{{Name: "hetu", Role: config.RolePersonID, Format: "hetu"}, {Name: "at", Role: config.RoleDimension, Generalize: &config.Generalize{Date: "year"}}},
			Tables:  []config.Table{{Name: "t", GroupBy: []string{"at"}}},
		}
		p, err := NewPreparer(PrepareOptions{Job: j, PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Seed: maphash.MakeSeed()})
		if err != nil {
			t.Fatal(err)
		}
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "hetu", Type: arrow.BinaryTypes.String},
			{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: c.zone}},
		}, nil)
		b := array.NewRecordBuilder(mem, schema)
		b.Field(0).(*array.StringBuilder).Append("131052-308T")
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(instant.UnixMicro()))
		rec := b.NewRecord()
		b.Release()
		var got string
		if err := p.Batch(rec, []int64{1}, func(r *Row) { got = p.Value(0, r.Dims[0]) }); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if got != c.want {
			t.Errorf("timestamp zone %q, budget.timezone %s: year %q, want %q", c.zone, c.tz, got, c.want)
		}
	}
}
