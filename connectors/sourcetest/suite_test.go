package sourcetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// memSource is a minimal correct Source over a Table stored as JSON: running the suite on
// it checks the suite itself (a case that fails here is a bug in the suite).
type memSource struct {
	path    string
	table   Table
	keep    []int
	schema  *arrow.Schema
	mem     memory.Allocator
	batch   int
	next    int
	records int64
	closed  bool
}

func openMem(opts connectors.Options, mem memory.Allocator) (connectors.Source, error) {
	data, err := os.ReadFile(opts.Path)
	if err != nil {
		return nil, err
	}
	var t Table
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, &connectors.ParseError{File: opts.Path, Err: connectors.ErrType}
	}
	s := &memSource{path: opts.Path, table: t, mem: mem, batch: opts.BatchRows}
	if s.batch == 0 {
		s.batch = 65536
	}
	var fields []arrow.Field
	for _, k := range opts.Keep {
		j := -1
		for i, c := range t.Columns {
			if c == k {
				j = i
			}
		}
		if j < 0 {
			return nil, &connectors.ParseError{File: opts.Path, Column: k, Err: connectors.ErrUnknownField}
		}
		s.keep = append(s.keep, j)
		fields = append(fields, arrow.Field{Name: k, Type: arrow.BinaryTypes.String})
	}
	s.schema = arrow.NewSchema(fields, nil)
	return s, nil
}

func (s *memSource) Columns() []string { return append([]string(nil), s.table.Columns...) }
func (s *memSource) Stats() connectors.Stats {
	return connectors.Stats{Records: s.records}
}
func (s *memSource) Close() error { s.closed = true; return nil }

func (s *memSource) Next(ctx context.Context) (connectors.Batch, error) {
	if err := ctx.Err(); err != nil {
		return connectors.Batch{}, err
	}
	if s.next >= len(s.table.Rows) {
		return connectors.Batch{}, io.EOF
	}
	end := min(s.next+s.batch, len(s.table.Rows))
	b := array.NewRecordBuilder(s.mem, s.schema)
	defer b.Release()
	var rows []int64
	for i := s.next; i < end; i++ {
		for k, j := range s.keep {
			b.Field(k).(*array.StringBuilder).Append(s.table.Rows[i][j])
		}
		rows = append(rows, int64(i+1))
	}
	rec := b.NewRecord()
	if len(s.keep) == 0 {
		rec.Release()
		rec = array.NewRecord(s.schema, nil, int64(end-s.next))
	}
	s.records += int64(end - s.next)
	s.next = end
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

// The SHA256 check only applies to a file the harness names; memSource's Write stores the
// table in a file, so it reports the hash as a file source must.
type memFileSource struct{ *memSource }

func (s memFileSource) Stats() connectors.Stats {
	st := s.memSource.Stats()
	if s.next >= len(s.table.Rows) {
		st.SHA256 = fileSHA(s.path)
	}
	return st
}

func fileSHA(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

func memHarness() Harness {
	open := func(opts connectors.Options, mem memory.Allocator) (connectors.Source, error) {
		src, err := openMem(opts, mem)
		if err != nil {
			return nil, err
		}
		return memFileSource{src.(*memSource)}, nil
	}
	return Harness{
		Write: func(t *testing.T, dir string, table Table) connectors.Options {
			data, err := json.Marshal(table)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "register.json")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return connectors.Options{Path: path}
		},
		Open:              func(opts connectors.Options) (connectors.Source, error) { return open(opts, memory.DefaultAllocator) },
		OpenWithAllocator: open,
		RowNumber:         func(_ Table, i int) int64 { return int64(i + 1) },
		Broken: []Broken{{
			Name: "NotJSON",
			Write: func(t *testing.T, dir string) (connectors.Options, []string) {
				path := filepath.Join(dir, "broken.json")
				if err := os.WriteFile(path, []byte("{secret value here"), 0o600); err != nil {
					t.Fatal(err)
				}
				return connectors.Options{Path: path}, []string{"secret value here"}
			},
			Err: connectors.ErrType,
		}},
	}
}

// TestSuiteOnMemSource runs the suite on a correct source: every case must pass.
func TestSuiteOnMemSource(t *testing.T) {
	Run(t, memHarness())
}

func TestRegisterInvariants(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table Table
	}{{"Register", Register()}, {"LargeRegister", LargeRegister(500)}} {
		t.Run(tc.name, func(t *testing.T) {
			for i, r := range tc.table.Rows {
				if len(r) != len(tc.table.Columns) {
					t.Fatalf("row %d has %d values for %d columns", i, len(r), len(tc.table.Columns))
				}
				if !validHetu(r[0]) {
					t.Fatalf("row %d: id %q is not a well-formed HETU", i, r[0])
				}
			}
		})
	}
	reg := Register()
	header := strings.Join(reg.Columns, " ")
	for _, v := range reg.Values() {
		if len([]rune(v)) < 4 {
			t.Errorf("value %q is shorter than four characters: the leak check would skip it", v)
		}
		if strings.Contains(header, strings.TrimSpace(v)) {
			t.Errorf("value %q occurs in a column name: the leak check would misfire", v)
		}
	}
	var hasEmpty, hasBreak, hasQuote bool
	for _, r := range reg.Rows {
		for _, v := range r {
			hasEmpty = hasEmpty || v == ""
			hasBreak = hasBreak || strings.Contains(v, "\n")
			hasQuote = hasQuote || strings.Contains(v, `"`)
		}
	}
	if !hasEmpty || !hasBreak || !hasQuote {
		t.Errorf("register lacks an empty value (%v), a line break (%v) or a quote (%v)", hasEmpty, hasBreak, hasQuote)
	}
}

// validHetu checks a code independently of hetu(): date digits, sign, individual number
// and check character.
func validHetu(s string) bool {
	if len(s) != 11 || !strings.ContainsRune("+-YXWVUABCDEF", rune(s[6])) {
		return false
	}
	n := 0
	for _, c := range s[:6] + s[7:10] {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return "0123456789ABCDEFHJKLMNPRSTUVWXY"[n%31] == s[10]
}

func TestHetu(t *testing.T) {
	for _, tc := range []struct {
		ddmmyy string
		sign   byte
		n      int
		want   string
	}{
		{"131052", '-', 308, "131052-308T"}, // the example code DVV publishes
		{"010101", 'A', 900, "010101A900R"}, // 10101900 mod 31 = 23: R
	} {
		if got := hetu(tc.ddmmyy, tc.sign, tc.n); got != tc.want {
			t.Errorf("hetu(%s, %c, %d) = %s, want %s", tc.ddmmyy, tc.sign, tc.n, got, tc.want)
		}
	}
}

func TestLeaks(t *testing.T) {
	values := []string{"Päiväkoti Kastanja", "  Gösta  ", "rivi yksi\nrivi kaksi", "abc", "1234.50"}
	for _, tc := range []struct {
		name string
		msg  string
		want []string
	}{
		{"Clean", "in.csv:3: column 2: wrong number of fields", nil},
		{"Whole", `in.csv:3: bad "Päiväkoti Kastanja"`, []string{"Päiväkoti Kastanja"}},
		{"Trimmed", "name Gösta here", []string{"  Gösta  "}},
		{"OneLine", "saw rivi kaksi", []string{"rivi yksi\nrivi kaksi"}},
		{"ShortSkipped", "abc def", nil},
		{"Number", "value 1234.50 out of range", []string{"1234.50"}},
		{"LineNumberIsNotAValue", "in.csv:1234: bad", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Leaks(tc.msg, values)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("Leaks(%q) = %q, want %q", tc.msg, got, tc.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	pe := func(row int64, col string, err error) error {
		return &connectors.ParseError{File: "f.csv", Row: row, Column: col, Err: err}
	}
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"ValuesEqual", diffValues([][]string{{"a", "b"}}, [][]string{{"a", "b"}}), true},
		{"ValueDiffers", diffValues([][]string{{"a", "b"}}, [][]string{{"a", "c"}}), false},
		{"RecordMissing", diffValues([][]string{{"a"}, {"b"}}, [][]string{{"a"}}), false},
		{"RecordExtra", diffValues([][]string{{"a"}}, [][]string{{"a"}, {"b"}}), false},
		{"WidthDiffers", diffValues([][]string{{"a"}}, [][]string{{"a", "b"}}), false},
		{"RowsEqual", diffRows([]int64{2, 3}, []int64{2, 3}), true},
		{"RowDiffers", diffRows([]int64{2, 3}, []int64{2, 4}), false},
		{"RowMissing", diffRows([]int64{2, 3}, []int64{2}), false},
		{"BatchesRight", checkBatchSizes([]int{3, 3, 1}, 3, 7), true},
		{"BatchTooBig", checkBatchSizes([]int{4, 3}, 3, 7), false},
		{"BatchShortInside", checkBatchSizes([]int{3, 2, 2}, 3, 7), true},
		{"BatchesLoseRecords", checkBatchSizes([]int{3, 3}, 3, 7), false},
		{"BrokenRight", checkBroken(pe(4, "a", connectors.ErrQuote), Broken{Err: connectors.ErrQuote, Row: 4, Column: "a"}), true},
		{"BrokenNoError", checkBroken(nil, Broken{Err: connectors.ErrQuote}), false},
		{"BrokenWrongSentinel", checkBroken(pe(4, "", connectors.ErrHeader), Broken{Err: connectors.ErrQuote}), false},
		{"BrokenWrongRow", checkBroken(pe(5, "", connectors.ErrQuote), Broken{Err: connectors.ErrQuote, Row: 4}), false},
		{"BrokenWrongColumn", checkBroken(pe(4, "b", connectors.ErrQuote), Broken{Err: connectors.ErrQuote, Column: "a"}), false},
		{"BrokenNotParseError", checkBroken(fmt.Errorf("x: %w", connectors.ErrQuote), Broken{Err: connectors.ErrQuote}), false},
		{"BrokenNoFile", checkBroken(&connectors.ParseError{Err: connectors.ErrQuote}, Broken{Err: connectors.ErrQuote}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.err == nil) != tc.ok {
				t.Fatalf("check returned %v, want ok = %v", tc.err, tc.ok)
			}
		})
	}
}

func TestCellString(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	sb.Append("Åbo")
	sb.AppendNull()
	s := sb.NewArray()
	defer s.Release()
	sb.Release()
	fb := array.NewFloat64Builder(mem)
	fb.Append(1234.5)
	f := fb.NewArray()
	defer f.Release()
	fb.Release()
	for _, tc := range []struct {
		name string
		a    arrow.Array
		i    int
		want string
	}{{"String", s, 0, "Åbo"}, {"Null", s, 1, ""}, {"Float", f, 0, "1234.5"}} {
		if got := CellString(tc.a, tc.i); got != tc.want {
			t.Errorf("%s: CellString = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestReadAllRejectsBadBatches(t *testing.T) {
	schema := arrow.NewSchema(nil, nil)
	for _, tc := range []struct {
		name  string
		batch connectors.Batch
	}{
		{"RowsMismatch", connectors.Batch{Record: array.NewRecord(schema, nil, 2), Rows: []int64{1}}},
		{"Empty", connectors.Batch{Record: array.NewRecord(schema, nil, 0)}},
		{"NoRecord", connectors.Batch{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadAll(context.Background(), &oneBatch{b: tc.batch})
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("ReadAll accepted a bad batch: %v", err)
			}
		})
	}
}

// oneBatch hands out one fixed batch, then io.EOF.
type oneBatch struct {
	b    connectors.Batch
	done bool
}

func (o *oneBatch) Columns() []string       { return nil }
func (o *oneBatch) Stats() connectors.Stats { return connectors.Stats{} }
func (o *oneBatch) Close() error            { return nil }
func (o *oneBatch) Next(context.Context) (connectors.Batch, error) {
	if o.done {
		return connectors.Batch{}, io.EOF
	}
	o.done = true
	if o.b.Record != nil {
		o.b.Record.Retain()
	}
	return o.b, nil
}
