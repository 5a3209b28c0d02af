package parquetsink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// sample has every type, nulls, non-ASCII text, and column names whose sorted order differs
// from the table's order.
func sample() Table {
	return Table{
		Columns: []Column{
			{"unit", String}, {"age_band", String}, {"persons", Int64},
			{"monthly_fee_sum", Double}, {"persons_ci95", Double}, {"suppressed", Bool},
		},
		Rows: [][]any{
			{"Päiväkoti Ängö", "3-5", int64(12), 1234.5, 3.2, false},
			{"Solbacka åk", "65+", int64(0), nil, nil, true},
			{"(missing)", "0-2", int64(-7), 0.06666666666666667, math.Inf(1), nil},
			{nil, "", nil, math.Copysign(0, -1), 1e-300, false},
		},
	}
}

var meta = map[string]string{
	"statexport.job":           "daycare-enrolment",
	"statexport.release":       "2026-11-24",
	"statexport.epsilon":       "0.25",
	"statexport.config_sha256": "ab12",
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestWriteRead(t *testing.T) {
	empty := sample()
	empty.Rows = nil
	tests := []struct {
		name        string
		table       Table
		compression string
	}{
		{"zstd", sample(), "zstd"},
		{"snappy", sample(), "snappy"},
		{"gzip", sample(), "gzip"},
		{"none", sample(), "none"},
		{"zero rows", empty, "zstd"},
		{"one column", Table{Columns: []Column{{"b", Bool}}, Rows: [][]any{{true}, {nil}}}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.parquet")
			sum, err := Write(path, tt.table, meta, tt.compression)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := fileSHA(t, path); got != sum {
				t.Errorf("sha256 = %s, file hashes to %s", sum, got)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode = %v, want 0600", st.Mode().Perm())
			}
			got, gotMeta, err := Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got.Columns, tt.table.Columns) {
				t.Errorf("columns = %v, want %v", got.Columns, tt.table.Columns)
			}
			if len(got.Rows) != len(tt.table.Rows) {
				t.Fatalf("rows = %d, want %d", len(got.Rows), len(tt.table.Rows))
			}
			for i := range got.Rows {
				for j := range got.Rows[i] {
					if !sameValue(got.Rows[i][j], tt.table.Rows[i][j]) {
						t.Errorf("row %d col %d = %#v, want %#v", i, j, got.Rows[i][j], tt.table.Rows[i][j])
					}
				}
			}
			for k, v := range meta {
				if gotMeta[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, gotMeta[k], v)
				}
			}
		})
	}
}

func TestWriteDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, err := Write(filepath.Join(dir, "a.parquet"), sample(), meta, "zstd")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Write(filepath.Join(dir, "b.parquet"), sample(), meta, "zstd")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("same table, different bytes: %s vs %s", a, b)
	}
}

func TestWriteErrors(t *testing.T) {
	cols := []Column{{"unit", String}, {"persons", Int64}}
	tests := []struct {
		name        string
		table       Table
		compression string
		want        error
	}{
		{"unknown compression", Table{Columns: cols}, "lz4", ErrCompression},
		{"no columns", Table{}, "zstd", ErrSchema},
		{"empty name", Table{Columns: []Column{{"", String}}}, "zstd", ErrSchema},
		{"duplicated name", Table{Columns: []Column{{"a", String}, {"a", Int64}}}, "zstd", ErrSchema},
		{"unknown type", Table{Columns: []Column{{"a", ColumnType(9)}}}, "zstd", ErrSchema},
		{"int where string", Table{Columns: cols, Rows: [][]any{{int64(1), int64(1)}}}, "zstd", ErrValueType},
		{"int where int64", Table{Columns: cols, Rows: [][]any{{"x", 1}}}, "zstd", ErrValueType},
		{"short row", Table{Columns: cols, Rows: [][]any{{"x"}}}, "zstd", ErrValueType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.parquet")
			_, err := Write(path, tt.table, nil, tt.compression)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("file left behind after a failed write: %v", err)
			}
		})
	}
}

// TestWriteErrorNoValue: a type error names the column and row, never the value.
func TestWriteErrorNoValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	tbl := Table{Columns: []Column{{"persons", Int64}}, Rows: [][]any{{"131052-308T"}}}
	_, err := Write(path, tbl, nil, "none")
	if err == nil {
		t.Fatal("no error")
	}
	const want = `row 1 column "persons": string where int64 was expected`
	if msg := err.Error(); !contains(msg, want) || contains(msg, "131052") {
		t.Errorf("error %q: want it to contain %q and no value", msg, want)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}
func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestArrowReadsWhatWeWrite proves another reader (Arrow's pqarrow) sees the same schema
// (order, names, types, nullability), values and metadata.
func TestArrowReadsWhatWeWrite(t *testing.T) {
	for _, compression := range Compressions {
		t.Run(compression, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.parquet")
			want := sample()
			if _, err := Write(path, want, meta, compression); err != nil {
				t.Fatal(err)
			}
			// Not a checked allocator: Arrow v17's DELTA_BINARY_PACKED decoder leaks 64 bytes
			// per column chunk into it (encoding.deltaBitPackDecoder.initBlock), which is no
			// property of the file.
			mem := memory.NewGoAllocator()
			pf, err := file.OpenParquetFile(path, false)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			for k, v := range meta {
				if got := pf.MetaData().KeyValueMetadata().FindValue(k); got == nil || *got != v {
					t.Errorf("arrow metadata %s = %v, want %q", k, got, v)
				}
			}
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := fr.ReadTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			arrowTypes := map[ColumnType]arrow.DataType{
				String: arrow.BinaryTypes.String, Int64: arrow.PrimitiveTypes.Int64,
				Double: arrow.PrimitiveTypes.Float64, Bool: arrow.FixedWidthTypes.Boolean,
			}
			fields := tbl.Schema().Fields()
			if len(fields) != len(want.Columns) {
				t.Fatalf("arrow sees %d columns, want %d", len(fields), len(want.Columns))
			}
			for j, c := range want.Columns {
				f := fields[j]
				if f.Name != c.Name || !arrow.TypeEqual(f.Type, arrowTypes[c.Type]) || !f.Nullable {
					t.Errorf("arrow field %d = %s %s nullable=%v, want %s %s nullable", j, f.Name, f.Type, f.Nullable, c.Name, arrowTypes[c.Type])
				}
				if tbl.NumRows() != int64(len(want.Rows)) {
					t.Fatalf("arrow rows = %d", tbl.NumRows())
				}
				chunk := tbl.Column(j).Data().Chunk(0)
				for i, row := range want.Rows {
					var got any
					if !chunk.IsNull(i) {
						switch a := chunk.(type) {
						case *array.String:
							got = a.Value(i)
						case *array.Int64:
							got = a.Value(i)
						case *array.Float64:
							got = a.Value(i)
						case *array.Boolean:
							got = a.Value(i)
						}
					}
					if !sameValue(got, row[j]) {
						t.Errorf("arrow row %d column %s = %#v, want %#v", i, c.Name, got, row[j])
					}
				}
			}
		})
	}
}

// TestReadForeign reads a file written by Arrow with types Write never produces.
func TestReadForeign(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "addr", Type: arrow.StructOf(arrow.Field{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)), 0}, []bool{true, false})
	b.Field(1).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-123450), decimal128.FromI64(5)}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(1709251200123456), 0}, nil)
	b.Field(3).(*array.Int32Builder).AppendValues([]int32{-5, 7}, nil)
	b.Field(4).(*array.Float32Builder).AppendValues([]float32{0.5, 2}, nil)
	lb := b.Field(5).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a@b.fi", "ö"}, nil)
	lb.AppendNull()
	sb := b.Field(6).(*array.StructBuilder)
	sb.AppendValues([]bool{true, true})
	sb.FieldBuilder(0).(*array.StringBuilder).AppendValues([]string{"Åbo", ""}, []bool{true, false})
	rec := b.NewRecord()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.Record{rec})
	defer tbl.Release()
	path := filepath.Join(t.TempDir(), "foreign.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pqarrow.WriteTable(tbl, f, 1024, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem))); err != nil {
		t.Fatal(err)
	}
	got, _, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []Column{{"d", String}, {"dec", String}, {"ts", String}, {"i32", Int64}, {"f32", Double}, {"tags.list.element", String}, {"addr.city", String}}
	if !reflect.DeepEqual(got.Columns, wantCols) {
		t.Errorf("columns = %v, want %v", got.Columns, wantCols)
	}
	wantRows := [][]any{
		{"2024-03-01", "-1234.50", "2024-03-01T00:00:00.123456Z", int64(-5), 0.5, "a@b.fi; ö", "Åbo"},
		{nil, "0.05", "1970-01-01T00:00:00Z", int64(7), 2.0, nil, nil},
	}
	if !reflect.DeepEqual(got.Rows, wantRows) {
		t.Errorf("rows = %#v, want %#v", got.Rows, wantRows)
	}
}

func TestReadUnreadable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
	}{
		{"empty", nil},
		{"text", []byte("hetu,name\n131052-308T,Matti\n")},
		{"magic only", []byte("PAR1PAR1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".parquet")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := Read(path)
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("err = %v, want ErrUnreadable", err)
			}
			if contains(err.Error(), "131052") {
				t.Errorf("error quotes a value: %v", err)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if _, _, err := Read(filepath.Join(dir, "nope.parquet")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want ErrNotExist", err)
		}
	})
}

// TestReadTruncated: a file cut short fails with ErrUnreadable, never a panic.
func TestReadTruncated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.parquet")
	if _, err := Write(path, sample(), meta, "none"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, cut := range []int{len(b) - 1, len(b) / 2, 10} {
		p := filepath.Join(dir, "cut.parquet")
		if err := os.WriteFile(p, b[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Read(p); !errors.Is(err, ErrUnreadable) {
			t.Errorf("cut at %d: err = %v, want ErrUnreadable", cut, err)
		}
	}
}

// FuzzRead: any bytes either read or fail with an error; never a panic.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.parquet")
	if _, err := Write(path, sample(), meta, "snappy"); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.parquet")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		tbl, _, err := Read(p)
		if err == nil && len(tbl.Rows) > 0 && len(tbl.Rows[0]) != len(tbl.Columns) {
			t.Fatalf("row of %d values for %d columns", len(tbl.Rows[0]), len(tbl.Columns))
		}
	})
}
