package xlsxsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/statexport/statexport/connectors"
)

func readAll(t testing.TB, s *Source) ([][]string, []int64, error) {
	t.Helper()
	var vals [][]string
	var rows []int64
	for {
		b, err := s.Next(context.Background())
		if err == io.EOF {
			return vals, rows, nil
		}
		if err != nil {
			return vals, rows, err
		}
		for r := 0; r < int(b.Record.NumRows()); r++ {
			row := make([]string, b.Record.NumCols())
			for c := range row {
				col := b.Record.Column(c).(*array.String)
				if col.IsNull(r) {
					t.Errorf("row %d column %d is null; xlsx hands out empty strings", b.Rows[r], c)
				}
				row[c] = col.Value(r)
			}
			vals = append(vals, row)
		}
		rows = append(rows, b.Rows...)
		b.Record.Release()
	}
}

// hdr is a header row of inline strings in row r.
func hdr(r int, names ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, n := range names {
		fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, string(rune('A'+i)), r, n)
	}
	return b.String() + `</row>`
}

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		book  book
		sheet string
		keep  []string
		batch int
		cols  []string
		vals  [][]string
		rows  []int64
	}{
		{
			name: "header after empty rows, shared strings, trailing empty cells, empty rows skipped",
			book: book{strings: []string{"id", "nimi", "Äijä", "x"}, sheets: []sheetPart{{"Data", `<row r="1"/><row r="2"><c r="A2" t="s"/></row>` +
				`<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c></row>` +
				`<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" t="s"><v>2</v></c></row>` +
				`<row r="5"><c r="A5" t="s"><v>3</v></c></row>` +
				`<row r="6"><c r="B6" s="1"/></row>` +
				`<row r="9"><c r="B9" t="s"><v>2</v></c></row>`}}},
			keep: []string{"nimi", "id"},
			cols: []string{"id", "nimi"},
			vals: [][]string{{"Äijä", "x"}, {"", "x"}, {"Äijä", ""}},
			rows: []int64{4, 5, 9},
		},
		{
			name: "numbers without float noise and without display format",
			book: book{sheets: []sheetPart{{"S", hdr(1, "n") +
				`<row r="2"><c r="A2"><v>0.30000000000000004</v></c></row>` +
				`<row r="3"><c r="A3" s="5"><v>1234.5</v></c></row>` +
				`<row r="4"><c r="A4" t="n"><v>1E-3</v></c></row>` +
				`<row r="5"><c r="A5"><v>-42</v></c></row>` +
				`<row r="6"><c r="A6"><v>12345678901234567890</v></c></row>` +
				`<row r="7"><c r="A7"><v>-0.0000000000000000001</v></c></row>` +
				`<row r="8"><c r="A8" s="3"><v>0.5</v></c></row>` +
				`<row r="9"><c r="A9" s="7"><v>00123</v></c></row>`}}},
			keep: []string{"n"},
			cols: []string{"n"},
			vals: [][]string{{"0.3"}, {"1234.5"}, {"0.001"}, {"-42"}, {"12345678901234600000"}, {"-0.0000000000000000001"}, {"0.5"}, {"123"}},
			rows: []int64{2, 3, 4, 5, 6, 7, 8, 9},
		},
		{
			name: "dates from built-in, custom and date-time formats",
			book: book{sheets: []sheetPart{{"S", hdr(1, "d") +
				`<row r="2"><c r="A2" s="1"><v>45292</v></c></row>` +
				`<row r="3"><c r="A3" s="2"><v>45351.99</v></c></row>` +
				`<row r="4"><c r="A4" s="4"><v>1.75</v></c></row>` +
				`<row r="5"><c r="A5" s="6"><v>59</v></c></row>` +
				`<row r="6"><c r="A6" s="1"><v>60</v></c></row>` +
				`<row r="7"><c r="A7" s="1"><v>61</v></c></row>` +
				`<row r="8"><c r="A8" s="1"><v>-1</v></c></row>` +
				`<row r="9"><c r="A9" t="d"><v>2024-03-01T12:00:00</v></c></row>` +
				`<row r="10"><c r="A10"><v>45292</v></c></row>`}}},
			keep: []string{"d"},
			cols: []string{"d"},
			vals: [][]string{{"2024-01-01"}, {"2024-02-29"}, {"1900-01-01"}, {"1900-02-28"}, {"60"}, {"1900-03-01"}, {"-1"}, {"2024-03-01"}, {"45292"}},
			rows: []int64{2, 3, 4, 5, 6, 7, 8, 9, 10},
		},
		{
			name: "1904 date system",
			book: book{date1904: true, sheets: []sheetPart{{"S", hdr(1, "d") + `<row r="2"><c r="A2" s="1"><v>0</v></c></row><row r="3"><c r="A3" s="1"><v>43830</v></c></row>`}}},
			keep: []string{"d"},
			cols: []string{"d"},
			vals: [][]string{{"1904-01-01"}, {"2024-01-01"}},
			rows: []int64{2, 3},
		},
		{
			name: "cell kinds: text with decimal comma, rich inline text, formula string, bool, error, escapes",
			book: book{sheets: []sheetPart{{"S", hdr(1, "a", "b", "c", "d", "e") +
				`<row r="2"><c r="A2" t="inlineStr"><is><t>1 234,50</t></is></c>` +
				`<c r="B2" t="inlineStr"><is><r><t>Ki</t></r><r><t xml:space="preserve">ssa </t></r><rPh><t>PHONETIC</t></rPh></is></c>` +
				`<c r="C2" t="str"><f>A1&amp;"x"</f><v>ax</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c></row>` +
				`<row r="3"><c r="A3" t="inlineStr"><is><t>a_x000D_b_x005F_x0041_</t></is></c><c r="D3" t="b"><v>0</v></c></row>`}}},
			keep: []string{"a", "b", "c", "d", "e"},
			cols: []string{"a", "b", "c", "d", "e"},
			vals: [][]string{{"1 234,50", "Kissa ", "ax", "true", "#N/A"}, {"a\rb_x0041_", "", "", "false", ""}},
			rows: []int64{2, 3},
		},
		{
			name: "cells and rows without references, prefixed namespace, second sheet",
			book: book{sheets: []sheetPart{{"First", hdr(1, "z")}, {"Toinen", `<x:worksheet xmlns:x="` + nsMain + `"><x:sheetData>` +
				`<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c></x:row>` +
				`<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>` +
				`<x:row r="5"><x:c r="B5"><x:v>3</x:v></x:c></x:row><x:row><x:c><x:v>4</x:v></x:c></x:row></x:sheetData></x:worksheet>`}}},
			sheet: "Toinen",
			keep:  []string{"b", "a"},
			cols:  []string{"a", "b"},
			vals:  [][]string{{"2", "1"}, {"3", ""}, {"", "4"}},
			rows:  []int64{2, 5, 6},
		},
		{
			name:  "batches of one, keep nothing",
			book:  book{sheets: []sheetPart{{"S", hdr(1, "a") + `<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row>`}}},
			batch: 1,
			cols:  []string{"a"},
			vals:  [][]string{{}, {}},
			rows:  []int64{2, 3},
		},
		{
			name: "header only",
			book: book{sheets: []sheetPart{{"S", hdr(1, "a", "b")}}},
			keep: []string{"a"},
			cols: []string{"a", "b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			p := tc.book.write(t)
			s, err := OpenWithAllocator(connectors.Options{Path: p, Sheet: tc.sheet, Keep: tc.keep, BatchRows: tc.batch}, mem)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := s.Columns(); !reflect.DeepEqual(got, tc.cols) {
				t.Errorf("Columns() = %q, want %q", got, tc.cols)
			}
			vals, rows, err := readAll(t, s)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if !reflect.DeepEqual(vals, tc.vals) {
				t.Errorf("values = %q, want %q", vals, tc.vals)
			}
			if !reflect.DeepEqual(rows, tc.rows) {
				t.Errorf("rows = %v, want %v", rows, tc.rows)
			}
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			if st := s.Stats(); st.Records != int64(len(tc.rows)) || st.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Stats() = %+v, want %d records and the file's hash", st, len(tc.rows))
			}
			s.Close()
			s.Close()
			mem.AssertSize(t, 0)
		})
	}
}

func TestErrors(t *testing.T) {
	// Every cell value holds SECRET (or a HETU-like 010101): no error may quote it.
	one := func(x string) book { return book{strings: []string{"SECRET"}, sheets: []sheetPart{{"S", x}}} }
	tests := []struct {
		name   string
		path   func(t testing.TB) string
		sheet  string
		keep   []string
		limit  int64
		err    error
		row    int64
		index  int
		column string
	}{
		{name: "empty header name", path: one(hdr(2, "a", "", "c")).write, err: connectors.ErrHeader, row: 2, index: 2},
		{name: "repeated header name", path: one(hdr(1, "a", "b", "a")).write, err: connectors.ErrHeader, row: 1, index: 3},
		{name: "value right of the header", path: one(hdr(1, "a") + `<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>0</v></c></row>`).write, keep: []string{"a"}, err: connectors.ErrFieldCount, row: 2, index: 3},
		{name: "shared string index out of range", path: one(hdr(1, "a") + `<row r="7"><c r="A7" t="s"><v>5</v></c></row>`).write, keep: []string{"a"}, err: ErrMalformed, row: 7, column: "a"},
		{name: "number cell holding text", path: one(hdr(1, "a") + `<row r="3"><c r="A3"><v>SECRET 010101-123N</v></c></row>`).write, keep: []string{"a"}, err: ErrMalformed, row: 3, column: "a"},
		{name: "malformed cell of a column not kept", path: one(hdr(1, "a", "b") + `<row r="3"><c r="B3" s="x"><v>1</v></c></row>`).write, keep: []string{"a"}, err: ErrMalformed, row: 3, index: 2},
		{name: "date cell holding text", path: one(hdr(1, "a") + `<row r="3"><c r="A3" s="1"><v>SECRET</v></c></row>`).write, keep: []string{"a"}, err: ErrMalformed, row: 3, column: "a"},
		{name: "broken sheet xml", path: one(hdr(1, "a") + `<row r="4"><c r="A4"><v>SECRET</c></row>`).write, keep: []string{"a"}, err: ErrMalformed, row: 4, column: "a"},
		{name: "empty sheet", path: one(`<row r="1"/>`).write, err: connectors.ErrEmpty},
		{name: "kept column absent", path: one(hdr(1, "a")).write, keep: []string{"b"}, err: connectors.ErrUnknownField, column: "b"},
		{name: "no such sheet", path: one(hdr(1, "a")).write, sheet: "Puuttuu", err: ErrNoSheet},
		{name: "not a workbook", path: func(t testing.TB) string {
			p := filepath.Join(t.TempDir(), "x.xlsx")
			os.WriteFile(p, []byte("SECRET,010101-123N\n"), 0o600)
			return p
		}, err: ErrMalformed},
		{name: "empty file", path: func(t testing.TB) string {
			p := filepath.Join(t.TempDir(), "x.xlsx")
			os.WriteFile(p, nil, 0o600)
			return p
		}, err: connectors.ErrEmpty},
		{name: "larger than the in-memory limit", path: one(hdr(1, "a") + strings.Repeat(`<row><c t="s"><v>0</v></c></row>`, 2000)).write, limit: 32 << 10, err: connectors.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.limit > 0 {
				maxUnzipped = tc.limit
				defer func() { maxUnzipped = MaxUnzippedBytes }()
			}
			p := tc.path(t)
			s, err := Open(connectors.Options{Path: p, Sheet: tc.sheet, Keep: tc.keep})
			if err == nil {
				_, _, err = readAll(t, s)
				s.Close()
			}
			var pe *connectors.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *connectors.ParseError", err)
			}
			if !errors.Is(err, tc.err) || pe.File != p || pe.Row != tc.row || pe.Index != tc.index || pe.Column != tc.column {
				t.Errorf("error = %+v (%v), want %v at row %d index %d column %q", *pe, err, tc.err, tc.row, tc.index, tc.column)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "010101") {
				t.Errorf("error %q quotes a value", err)
			}
		})
	}
}

// TestNothingSpilled opens a workbook whose sheet XML is larger than excelize's default 16 MB
// spill threshold and checks that no temporary file appears. The control case shows that
// excelize with default options would have written one.
func TestNothingSpilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 17 MB sheet")
	}
	row := `<row><c t="inlineStr"><is><t>` + strings.Repeat("SECRET-", 40) + `</t></is></c></row>`
	p := book{sheets: []sheetPart{{"S", hdr(1, "a") + strings.Repeat(row, (17<<20)/len(row))}}}.write(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	listTmp := func() []string {
		ents, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	t.Run("control: excelize defaults spill", func(t *testing.T) {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(listTmp()) == 0 {
			t.Error("excelize with default options wrote no temporary file; the test cannot show a spill")
		}
		f.Close()
	})
	t.Run("source", func(t *testing.T) {
		before := len(listTmp())
		s, err := Open(connectors.Options{Path: p, Keep: []string{"a"}})
		if err != nil {
			t.Fatal(err)
		}
		vals, _, err := readAll(t, s)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != (17<<20)/len(row) {
			t.Errorf("read %d rows", len(vals))
		}
		if after := listTmp(); len(after) != before {
			t.Errorf("temporary files appeared: %v", after)
		}
	})
}

// TestExcelizeWritten reads a workbook as excelize itself writes one (shared strings,
// time.Time cells with its default date-time style, floats).
func TestExcelizeWritten(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"hetu", "fee", "start", "note"},
		{"010101A123N", 123.45, time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), "x"},
		{"020202A234P", 0.1 + 0.2, time.Date(1999, 12, 31, 13, 0, 0, 0, time.UTC)},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	s, err := Open(connectors.Options{Path: p, Keep: []string{"start", "fee", "hetu", "note"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vals, rowNums, err := readAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"2024-08-01", "123.45", "010101A123N", "x"}, {"1999-12-31", "0.3", "020202A234P", ""}}
	if !reflect.DeepEqual(vals, want) || !reflect.DeepEqual(rowNums, []int64{2, 3}) {
		t.Errorf("got %q rows %v, want %q rows [2 3]", vals, rowNums, want)
	}
}

func TestIsDateFormat(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{`d\.m\.yyyy`, true},
		{`yyyy-mm-dd`, true},
		{`[$-40B]d. mmmm"ta "yyyy`, true},
		{`mmm`, true},
		{`h:mm:ss`, false},
		{`[h]:mm`, false},
		{`mm:ss.0`, false},
		{`General`, false},
		{`0.00" d"`, false},
		{`#,##0.00\ "€"`, false},
		{`0.00E+00`, false},
		{`_-* #,##0.00\ _€_-;\-* #,##0.00\ _€_-`, false},
		{`[Red]0;dd`, false},
		{`@`, false},
	}
	for _, tc := range tests {
		if got := isDateFormat(tc.code); got != tc.want {
			t.Errorf("isDateFormat(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
}

// FuzzXLSX wraps fuzzed sheet XML in a valid workbook and checks that reading it never
// panics, leaks memory or fails with anything but a *connectors.ParseError.
func FuzzXLSX(f *testing.F) {
	for _, s := range []string{
		hdr(1, "a", "b") + `<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" s="1"><v>45292</v></c></row>`,
		`<row><c t="inlineStr"><is><t>x</t></is></c></row><row><c><v>1e400</v></c></row>`,
		`<row r="3"><c r="ZZZZ3"><v>1</v></c></row>`,
		`<row r="0"><c t="b"><v>1</v></c></row>`,
		hdr(1, "a") + `<row r="2"><c r="A2" s="99"><v>1</v></c></row>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sheet string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		p := book{strings: []string{"s0", "s1"}, sheets: []sheetPart{{"S", sheet}}}.write(t)
		s, err := Open(connectors.Options{Path: p})
		if err == nil {
			cols := s.Columns()
			s.Close()
			s, err = OpenWithAllocator(connectors.Options{Path: p, Keep: cols, BatchRows: 2}, mem)
			if err != nil {
				t.Fatalf("second Open: %v", err)
			}
			_, _, err = readAll(t, s)
			s.Close()
		}
		if err != nil {
			var pe *connectors.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
		}
		mem.AssertSize(t, 0)
	})
}
