package parquetsource

import (
	"bytes"
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

	"github.com/statexport/statexport/connectors/sourcetest"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/statexport/statexport/connectors"
)

// col is one test column: its Arrow field and its values (nil for a null).
type col struct {
	name string
	typ  arrow.DataType
	vals []any
}

// writeParquet writes cols as a Parquet file with row groups of rowGroup rows and returns
// its path and bytes.
func writeParquet(t *testing.T, cols []col, rowGroup int64) (string, []byte) {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer rb.Release()
	n := 0
	for i, c := range cols {
		n = len(c.vals)
		for _, v := range c.vals {
			appendValue(t, rb.Field(i), v)
		}
	}
	rec := rb.NewRecord()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.Record{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup))
	if err := pqarrow.WriteTable(tbl, &buf, int64(max(n, 1)), props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "in.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

func appendValue(t *testing.T, b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.LargeStringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append([]byte(v.(string)))
	case *array.Int8Builder:
		b.Append(int8(v.(int)))
	case *array.Int32Builder:
		b.Append(int32(v.(int)))
	case *array.Int64Builder:
		b.Append(int64(v.(int)))
	case *array.Uint64Builder:
		b.Append(v.(uint64))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.Decimal128Builder:
		b.Append(decimal128.FromI64(int64(v.(int))))
	case *array.Date32Builder:
		b.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.Date64Builder:
		b.Append(arrow.Date64FromTime(v.(time.Time)))
	case *array.TimestampBuilder:
		ts, err := arrow.TimestampFromTime(v.(time.Time), b.Type().(*arrow.TimestampType).Unit)
		if err != nil {
			t.Fatal(err)
		}
		b.Append(ts)
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.NullBuilder:
		b.AppendNull()
	case *array.Time32Builder:
		b.Append(arrow.Time32(v.(int)))
	case *array.ListBuilder:
		b.Append(true)
		b.ValueBuilder().(*array.Int64Builder).Append(int64(v.(int)))
	default:
		t.Fatalf("no appender for %T", b)
	}
}

func readAll(t *testing.T, s *Source) ([][]string, []int64, error) {
	t.Helper()
	res, err := sourcetest.ReadAllTyped(context.Background(), s)
	return res.Values, res.Rows, err
}

var (
	d1 = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	d2 = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	t1 = time.Date(2024, 3, 1, 23, 30, 0, 123456789, time.UTC)
)

func TestTypes(t *testing.T) {
	cols := []col{
		{"s", arrow.BinaryTypes.String, []any{"Äö", nil, ""}},
		{"ls", arrow.BinaryTypes.LargeString, []any{"x", "y", nil}},
		{"bin", arrow.BinaryTypes.Binary, []any{"ok", nil, "å"}},
		{"i8", arrow.PrimitiveTypes.Int8, []any{-5, 7, nil}},
		{"i32", arrow.PrimitiveTypes.Int32, []any{nil, 123456, -1}},
		{"i64", arrow.PrimitiveTypes.Int64, []any{1, 2, 3}},
		{"u64", arrow.PrimitiveTypes.Uint64, []any{uint64(1) << 62, nil, uint64(0)}},
		{"f32", arrow.PrimitiveTypes.Float32, []any{0.1, nil, -2.25}}, // 0.1: the shortest decimal, not float32's binary value
		{"f64", arrow.PrimitiveTypes.Float64, []any{123.45, 0.1, nil}},
		{"dec", &arrow.Decimal128Type{Precision: 10, Scale: 2}, []any{12345, nil, -5}},
		{"d32", arrow.FixedWidthTypes.Date32, []any{d1, d2, nil}},
		{"d64", arrow.FixedWidthTypes.Date64, []any{d1, nil, d2}},
		{"tsms", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Helsinki"}, []any{t1, nil, d2}},
		{"tsns", &arrow.TimestampType{Unit: arrow.Nanosecond}, []any{t1, d1, nil}},
		{"tsus", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, []any{t1, nil, nil}},
		{"b", arrow.FixedWidthTypes.Boolean, []any{true, false, nil}},
		{"nul", arrow.Null, []any{nil, nil, nil}},
		{"list", arrow.ListOf(arrow.PrimitiveTypes.Int64), []any{1, 2, 3}},
		{"time", arrow.FixedWidthTypes.Time32s, []any{1, 2, 3}},
	}
	p, _ := writeParquet(t, cols, 2)
	keep := []string{"s", "ls", "bin", "i8", "i32", "i64", "u64", "f32", "f64", "dec", "d32", "d64", "tsms", "tsns", "tsus", "b", "nul"}
	tsms := `timestamp[us,"Europe/Helsinki"]:`
	want := [][]string{
		{"string:Äö", "string:x", "string:ok", "int64:-5", "null", "int64:1", "int64:4611686018427387904", "float64:0.1", "float64:123.45", "float64:123.45",
			"date32:2024-02-29", "date32:2024-02-29", tsms + "2024-03-01T23:30:00.123Z", `timestamp[us,""]:2024-03-01T23:30:00.123456Z`, `timestamp[us,"UTC"]:2024-03-01T23:30:00.123456Z`, "bool:true", "null"},
		{"null", "string:y", "null", "int64:7", "int64:123456", "int64:2", "null", "null", "float64:0.1", "null",
			"date32:1969-12-31", "null", "null", `timestamp[us,""]:2024-02-29T00:00:00Z`, "null", "bool:false", "null"},
		{"string:", "null", "string:å", "null", "int64:-1", "int64:3", "int64:0", "float64:-2.25", "null", "float64:-0.05",
			"null", "date32:1969-12-31", tsms + "1969-12-31T00:00:00Z", "null", "null", "null", "null"},
	}
	for _, batch := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			s, err := OpenWithAllocator(connectors.Options{Path: p, Keep: keep, BatchRows: batch}, mem)
			if err != nil {
				t.Fatal(err)
			}
			wantCols := make([]string, len(cols))
			for i, c := range cols {
				wantCols[i] = c.name
			}
			if got := s.Columns(); !reflect.DeepEqual(got, wantCols) {
				t.Errorf("Columns() = %q, want %q", got, wantCols)
			}
			vals, rows, err := readAll(t, s)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if i >= len(vals) || !reflect.DeepEqual(vals[i], want[i]) {
					t.Errorf("record %d:\n got %q\nwant %q", i+1, vals[min(i, len(vals)-1)], want[i])
				}
			}
			if !reflect.DeepEqual(rows, []int64{1, 2, 3}) {
				t.Errorf("rows = %v, want [1 2 3]", rows)
			}
			s.Close()
			mem.AssertSize(t, 0)
		})
	}
}

func TestRowsAndStats(t *testing.T) {
	vals := make([]any, 10)
	for i := range vals {
		vals[i] = i
	}
	p, data := writeParquet(t, []col{{"a", arrow.PrimitiveTypes.Int64, vals}, {"b", arrow.BinaryTypes.String, make([]any, 10)}}, 4)
	sum := sha256.Sum256(data)
	tests := []struct {
		name    string
		keep    []string
		batch   int
		batches int
	}{
		{"keep one, batches of 3", []string{"a"}, 3, 4},
		{"keep nothing, batches of 4", nil, 4, 3},
		{"keep all, one batch", []string{"b", "a"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(connectors.Options{Path: p, Keep: tc.keep, BatchRows: tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var rows []int64
			n := 0
			for {
				b, err := s.Next(context.Background())
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if int(b.Record.NumCols()) != len(tc.keep) || b.Record.NumRows() != int64(len(b.Rows)) {
					t.Errorf("batch has %d columns and %d rows for %d row numbers", b.Record.NumCols(), b.Record.NumRows(), len(b.Rows))
				}
				if len(tc.keep) > 0 {
					a := b.Record.Column(slicesIndex(tc.keep, "a")).(*array.Int64)
					for i, r := range b.Rows {
						if a.Value(i) != r-1 {
							t.Errorf("row %d holds %d", r, a.Value(i))
						}
					}
				}
				rows = append(rows, b.Rows...)
				b.Record.Release()
			}
			if len(rows) != 10 || rows[0] != 1 || rows[9] != 10 {
				t.Errorf("rows = %v, want 1..10", rows)
			}
			if tc.batches > 0 && n != tc.batches {
				t.Errorf("%d batches, want %d", n, tc.batches)
			}
			if st := s.Stats(); st.Records != 10 || st.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Stats() = %+v", st)
			}
		})
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestErrors(t *testing.T) {
	good, _ := writeParquet(t, []col{
		{"a", arrow.BinaryTypes.String, []any{"SECRET"}},
		{"list", arrow.ListOf(arrow.PrimitiveTypes.Int64), []any{1}},
		{"time", arrow.FixedWidthTypes.Time32s, []any{1}},
	}, 10)
	badUTF8, _ := writeParquet(t, []col{{"bin", arrow.BinaryTypes.Binary, []any{"ok", "SECRET\xff"}}}, 10)
	bigUint, _ := writeParquet(t, []col{{"u", arrow.PrimitiveTypes.Uint64, []any{uint64(1), uint64(1) << 63}}}, 10)
	garbage := filepath.Join(t.TempDir(), "garbage.parquet")
	os.WriteFile(garbage, []byte(strings.Repeat("SECRET", 100)), 0o600)
	empty := filepath.Join(t.TempDir(), "empty.parquet")
	os.WriteFile(empty, nil, 0o600)
	good2, data := writeParquet(t, []col{{"a", arrow.BinaryTypes.String, []any{"SECRET", "x", "y"}}}, 10)
	truncated := filepath.Join(t.TempDir(), "truncated.parquet")
	os.WriteFile(truncated, append(append([]byte(nil), data[:len(data)/3]...), data[len(data)-8:]...), 0o600)
	_ = good2
	tests := []struct {
		name string
		path string
		keep []string
		err  error
		row  int64
		col  string
	}{
		{"absent column", good, []string{"nope"}, connectors.ErrUnknownField, 0, "nope"},
		{"nested column", good, []string{"list"}, connectors.ErrNested, 0, "list"},
		{"time column", good, []string{"time"}, connectors.ErrType, 0, "time"},
		{"binary not utf-8", badUTF8, []string{"bin"}, connectors.ErrEncoding, 2, "bin"},
		{"uint64 overflow", bigUint, []string{"u"}, ErrValue, 2, "u"},
		{"not parquet", garbage, nil, ErrMalformed, 0, ""},
		{"truncated", truncated, []string{"a"}, ErrMalformed, 0, ""},
		{"empty file", empty, nil, connectors.ErrEmpty, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(connectors.Options{Path: tc.path, Keep: tc.keep})
			if err == nil {
				_, _, err = readAll(t, s)
				s.Close()
			}
			var pe *connectors.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *connectors.ParseError", err)
			}
			if !errors.Is(err, tc.err) || pe.Row != tc.row || pe.Column != tc.col || pe.File != tc.path {
				t.Errorf("error = %+v, want %v at row %d column %q", *pe, tc.err, tc.row, tc.col)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q quotes a value", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Open(connectors.Options{Path: filepath.Join(t.TempDir(), "none.parquet")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want os.ErrNotExist", err)
	}
}
