package jsonlsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// null marks an Arrow null in expected values.
const null = "\x00NULL"

func writeFile(t testing.TB, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll reads every batch and returns the kept values row by row (null for nulls).
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
					row[c] = null
				} else {
					row[c] = col.Value(r)
				}
			}
			vals = append(vals, row)
		}
		rows = append(rows, b.Rows...)
		b.Record.Release()
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		keep  []string
		batch int
		cols  []string
		vals  [][]string
		rows  []int64
	}{
		{
			name: "strings numbers bools nulls",
			in:   `{"a":"x","b":1.50,"c":true,"d":null}` + "\n" + `{"a":"y","b":-2e3,"c":false}` + "\n",
			keep: []string{"d", "b", "a", "c"},
			cols: []string{"a", "b", "c", "d"},
			vals: [][]string{{null, "1.5", "x", "true"}, {null, "-2000", "y", "false"}},
			rows: []int64{1, 2},
		},
		{
			name: "missing keys are nulls and later keys become columns",
			in:   `{"a":"1"}` + "\n" + `{"b":"2","a":"3"}` + "\n" + `{"c":""}`,
			keep: []string{"a", "b", "c"},
			cols: []string{"a", "b", "c"},
			vals: [][]string{{"1", null, null}, {"3", "2", null}, {null, null, ""}},
			rows: []int64{1, 2, 3},
		},
		{
			name: "bom crlf trailing blank lines escapes and non-ascii",
			in:   "\uFEFF{\"nimi\":\"Äö \\u00e5\\n\\\"q\\\"\"}\r\n{\"nimi\":\"b\"}\r\n\r\n  \n",
			keep: []string{"nimi"},
			cols: []string{"nimi"},
			vals: [][]string{{"Äö å\n\"q\""}, {"b"}},
			rows: []int64{1, 2},
		},
		{
			name:  "batches of two",
			in:    "{\"a\":\"1\"}\n{\"a\":\"2\"}\n{\"a\":\"3\"}\n",
			keep:  []string{"a"},
			batch: 2,
			cols:  []string{"a"},
			vals:  [][]string{{"1"}, {"2"}, {"3"}},
			rows:  []int64{1, 2, 3},
		},
		{
			name: "keep nothing still counts records",
			in:   "{\"a\":\"1\"}\n{\"a\":\"2\"}\n",
			cols: []string{"a"},
			vals: [][]string{{}, {}},
			rows: []int64{1, 2},
		},
		{
			name: "empty object",
			in:   "{}\n{\"a\":1}\n",
			keep: []string{"a"},
			cols: []string{"a"},
			vals: [][]string{{null}, {"1"}},
			rows: []int64{1, 2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			p := writeFile(t, tc.in)
			s, err := OpenWithAllocator(connectors.Options{Path: p, Keep: tc.keep, BatchRows: tc.batch}, mem)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
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
			sum := sha256.Sum256([]byte(tc.in))
			st := s.Stats()
			if st.Records != int64(len(tc.rows)) || st.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Stats() = %+v, want %d records and the file's sha256", st, len(tc.rows))
			}
			if _, err := s.Next(context.Background()); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			mem.AssertSize(t, 0)
		})
	}
}

func TestErrors(t *testing.T) {
	// Every value holds SECRET: no error may quote it.
	tests := []struct {
		name  string
		in    string
		keep  []string
		err   error
		row   int64
		col   string
		index int
	}{
		{name: "nested object", in: `{"a":"SECRET"}` + "\n" + `{"a":"SECRET","b":{"x":"SECRET"}}`, err: connectors.ErrNested, row: 2, col: "b"},
		{name: "nested array", in: `{"a":["SECRET"]}`, err: connectors.ErrNested, row: 1, col: "a"},
		{name: "invalid json", in: `{"a":"SECRET"}` + "\n" + `{"a":SECRET}`, err: ErrSyntax, row: 2, col: "a"},
		{name: "unterminated", in: `{"a":"SECRET`, err: ErrSyntax, row: 1, col: "a"},
		{name: "trailing garbage", in: `{"a":"SECRET"} SECRET`, err: ErrSyntax, row: 1},
		{name: "two objects on a line", in: `{"a":"SECRET"}{"a":"SECRET"}`, err: ErrSyntax, row: 1},
		{name: "array line", in: `["SECRET"]`, err: ErrNotObject, row: 1},
		{name: "scalar line", in: `"SECRET"`, err: ErrNotObject, row: 1},
		{name: "duplicate key", in: `{"a":"SECRET","a":"SECRET"}`, err: ErrDuplicateKey, row: 1, col: "a"},
		{name: "blank line between records", in: "{\"a\":\"SECRET\"}\n\n{\"a\":\"SECRET\"}\n", err: ErrBlankLine, row: 2},
		{name: "invalid utf-8", in: "{\"a\":\"SECRET\"}\n{\"a\":\"SECRET\xff\"}\n", err: connectors.ErrEncoding, row: 2},
		{name: "empty file", in: "", err: connectors.ErrEmpty, row: 1},
		{name: "only blank lines", in: "\n \n", err: connectors.ErrEmpty, row: 1},
		{name: "kept column absent", in: `{"a":"SECRET"}`, keep: []string{"b"}, err: connectors.ErrUnknownField, col: "b"},
		{name: "key that looks like a hetu is cited by position", in: `{"a":"SECRET","010101-123N":{"x":1}}`, err: connectors.ErrNested, row: 1, index: 2},
		{name: "line too long", in: `{"a":"SECRET"}` + "\n" + `{"a":"` + strings.Repeat("SECRET", MaxLineBytes/6) + `"}`, err: connectors.ErrTooLarge, row: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.in)
			s, err := Open(connectors.Options{Path: p, Keep: tc.keep})
			if err == nil {
				_, _, err = readAll(t, s)
				s.Close()
			}
			checkParseError(t, err, p, tc.err, tc.row, tc.col, tc.index)
		})
	}
}

func checkParseError(t *testing.T, err error, path string, want error, row int64, col string, index int) {
	t.Helper()
	var pe *connectors.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a *connectors.ParseError", err)
	}
	if !errors.Is(err, want) || pe.File != path || pe.Row != row || pe.Column != col || pe.Index != index {
		t.Errorf("error = %+v (%v), want %v at row %d column %q index %d", *pe, err, want, row, col, index)
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "010101") {
		t.Errorf("error %q quotes a value", err)
	}
}

// TestChangedBetweenPasses covers a file that gains a key after Open's first pass.
func TestChangedBetweenPasses(t *testing.T) {
	p := writeFile(t, `{"a":"1"}`+"\n")
	s, err := Open(connectors.Options{Path: p, Keep: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.WriteFile(p, []byte(`{"a":"1","b":"SECRET"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(t, s)
	checkParseError(t, err, p, connectors.ErrUnknownField, 1, "b", 0)
}

func TestMissingFile(t *testing.T) {
	_, err := Open(connectors.Options{Path: filepath.Join(t.TempDir(), "none.jsonl")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want os.ErrNotExist", err)
	}
}

func TestCanceled(t *testing.T) {
	s, err := Open(connectors.Options{Path: writeFile(t, `{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next = %v, want context.Canceled", err)
	}
}

// FuzzJSONL checks that no input makes the reader panic, leak memory, or fail with anything
// but a *connectors.ParseError.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		`{"a":"x","b":1}` + "\n" + `{"b":null,"c":true}`,
		"\uFEFF{\"a\":[1]}\r\n",
		`{"a":{"b":1}}`,
		"{}\n\n{}",
		`{"a":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		p := filepath.Join(t.TempDir(), "f.jsonl")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(connectors.Options{Path: p})
		if err == nil {
			s2, err2 := OpenWithAllocator(connectors.Options{Path: p, Keep: s.Columns(), BatchRows: 3}, mem)
			if err2 != nil {
				t.Fatalf("second Open: %v", err2)
			}
			_, rows, err := readAll(t, s2)
			if err != nil {
				t.Fatalf("Next after a clean first pass: %v", err)
			}
			if int64(len(rows)) != s2.Stats().Records {
				t.Fatalf("rows %d != records %d", len(rows), s2.Stats().Records)
			}
			s2.Close()
			s.Close()
		} else {
			var pe *connectors.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
		}
		mem.AssertSize(t, 0)
	})
}
