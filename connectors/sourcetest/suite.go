package sourcetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// Harness tells the suite how one connector stores and opens a register.
type Harness struct {
	// Write materialises table in the connector's format under dir and returns the Options
	// that open it; the suite then sets Keep and BatchRows itself. It may call t.Skip for a
	// table the format cannot express, and t.Fatal when writing fails.
	Write func(t *testing.T, dir string, table Table) connectors.Options
	// Open opens a source.
	Open func(connectors.Options) (connectors.Source, error)
	// OpenWithAllocator, when set, opens a source whose record buffers come from mem: the
	// suite then checks that every byte is freed once batches are released and the source
	// closed. Nil skips that case.
	OpenWithAllocator func(opts connectors.Options, mem memory.Allocator) (connectors.Source, error)
	// RowNumber maps the 0-based index of a data record of table to the row number SPEC.md
	// cites for the format (Batch.Rows, ParseError.Row): the physical line in CSV, the
	// sheet row in XLSX, the 1-based record in Parquet and JSONL.
	RowNumber func(table Table, i int) int64
	// Normalize, when set, maps a value as the register writes it to the text the source
	// hands back (a typed format storing measures as numbers, say). It is applied to the
	// expected values only; the read values are turned to text by CellString.
	Normalize func(column, value string) string
	// Broken lists malformed inputs in the connector's format; see Broken.
	Broken []Broken
}

// Broken is one malformed input. The source must fail, at Open or at some Next, with an
// error that wraps Err, is a *connectors.ParseError citing Row (when Row > 0) and Column
// (when Column is set), and quotes none of the register's values nor any of Secrets.
type Broken struct {
	Name string
	// Write writes the malformed input under dir and returns the Options that open it and
	// the values it wrote besides the register's (all of them must stay out of the error).
	Write  func(t *testing.T, dir string) (opts connectors.Options, secrets []string)
	Err    error
	Row    int64
	Column string
}

// Run runs every conformance case against the connector h describes, each as a subtest.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Write == nil || h.Open == nil || h.RowNumber == nil {
		t.Fatal("sourcetest: a Harness needs Write, Open and RowNumber")
	}
	reg := Register()
	values := reg.Values()

	t.Run("Columns", func(t *testing.T) {
		src := mustOpen(t, h, h.Write(t, t.TempDir(), reg))
		if got := src.Columns(); !reflect.DeepEqual(got, reg.Columns) {
			t.Fatalf("Columns() = %q, want %q", got, reg.Columns)
		}
	})

	t.Run("ReadAll", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep, opts.BatchRows = reg.Columns, 2
		checkRead(t, h, reg, opts)
	})

	t.Run("DefaultBatchRows", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep, opts.BatchRows = reg.Columns, 0
		res := checkRead(t, h, reg, opts)
		if len(res.BatchSizes) != 1 {
			t.Fatalf("%d rows came in batches %v, want one batch (BatchRows 0 means about 64k)", len(reg.Rows), res.BatchSizes)
		}
	})

	t.Run("BatchRows", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep, opts.BatchRows = []string{ColUnit}, 3
		res := checkRead(t, h, reg, opts)
		if err := checkBatchSizes(res.BatchSizes, 3, len(reg.Rows)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("KeepSubsetReordered", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep = []string{ColFee, ColUnit, ColPersonID}
		checkRead(t, h, reg, opts)
	})

	t.Run("KeepNone", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep = nil
		res := checkRead(t, h, reg, opts)
		if len(res.Fields) != 0 {
			t.Fatalf("Keep nil handed out columns %q", res.Fields)
		}
	})

	t.Run("KeepUnknown", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep = []string{ColUnit, "no_such_column"}
		err := openAndRead(h, opts)
		if !errors.Is(err, connectors.ErrUnknownField) {
			t.Fatalf("error %v, want one wrapping connectors.ErrUnknownField", err)
		}
		var pe *connectors.ParseError
		if !errors.As(err, &pe) || pe.Column != "no_such_column" {
			t.Fatalf("error %v: want a *connectors.ParseError naming column %q", err, "no_such_column")
		}
		checkNoLeak(t, err, values)
	})

	t.Run("LargeRegister", func(t *testing.T) {
		large := LargeRegister(2500)
		opts := h.Write(t, t.TempDir(), large)
		opts.Keep, opts.BatchRows = []string{ColNotes, ColPersonID, ColFee}, 1000
		res := checkRead(t, h, large, opts)
		if err := checkBatchSizes(res.BatchSizes, 1000, len(large.Rows)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("EOFRepeats", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep = []string{ColUnit}
		src := mustOpen(t, h, opts)
		if _, err := ReadAll(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if b, err := src.Next(context.Background()); err != io.EOF {
				if b.Record != nil {
					b.Record.Release()
				}
				t.Fatalf("Next after the end returned %v, want io.EOF", err)
			}
		}
	})

	t.Run("CloseTwice", func(t *testing.T) {
		for _, read := range []bool{false, true} {
			opts := h.Write(t, t.TempDir(), reg)
			opts.Keep = []string{ColUnit}
			src, err := h.Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			if read {
				if _, err := ReadAll(context.Background(), src); err != nil {
					t.Fatal(err)
				}
			}
			if err := src.Close(); err != nil {
				t.Fatalf("first Close (after reading: %v): %v", read, err)
			}
			if err := src.Close(); err != nil {
				t.Fatalf("second Close (after reading: %v): %v", read, err)
			}
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		opts := h.Write(t, t.TempDir(), reg)
		opts.Keep = []string{ColUnit}
		src := mustOpen(t, h, opts)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		b, err := src.Next(ctx)
		if b.Record != nil {
			b.Record.Release()
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next with a canceled context returned %v, want context.Canceled", err)
		}
	})

	t.Run("CheckedAllocator", func(t *testing.T) {
		if h.OpenWithAllocator == nil {
			t.Skip("the harness gives no OpenWithAllocator")
		}
		for _, whole := range []bool{true, false} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			large := LargeRegister(300)
			opts := h.Write(t, t.TempDir(), large)
			opts.Keep, opts.BatchRows = []string{ColUnit, ColFee}, 100
			src, err := h.OpenWithAllocator(opts, mem)
			if err != nil {
				t.Fatal(err)
			}
			if whole {
				_, err = ReadAll(context.Background(), src)
			} else { // stop after one batch: Close must free what was read ahead
				var b connectors.Batch
				if b, err = src.Next(context.Background()); err == nil {
					b.Record.Release()
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			mem.AssertSize(t, 0)
		}
	})

	for _, br := range h.Broken {
		t.Run("Broken/"+br.Name, func(t *testing.T) {
			opts, secrets := br.Write(t, t.TempDir())
			err := openAndRead(h, opts)
			if err := checkBroken(err, br); err != nil {
				t.Fatal(err)
			}
			checkNoLeak(t, err, append(values, secrets...))
		})
	}
}

// Result is what a source handed out, as text.
type Result struct {
	Fields     []string   // names of the Record's columns (the same in every batch)
	Values     [][]string // every record, each value through CellString
	Rows       []int64    // Batch.Rows of every record
	BatchSizes []int      // records per batch
}

// ReadAll reads src to io.EOF, turning every batch to text and releasing it. It fails
// when a batch's Rows and Record disagree in length or its schema differs from the first.
func ReadAll(ctx context.Context, src connectors.Source) (Result, error) {
	return readAll(ctx, src, CellString)
}

// ReadAllTyped is ReadAll with every value through TypedCell, for harnesses that check the
// Arrow types a source hands out.
func ReadAllTyped(ctx context.Context, src connectors.Source) (Result, error) {
	return readAll(ctx, src, TypedCell)
}

func readAll(ctx context.Context, src connectors.Source, cell func(arrow.Array, int) string) (Result, error) {
	var res Result
	var schema *arrow.Schema
	for {
		b, err := src.Next(ctx)
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		err = res.add(b, &schema, cell)
		if b.Record != nil {
			b.Record.Release()
		}
		if err != nil {
			return res, err
		}
	}
}

func (res *Result) add(b connectors.Batch, schema **arrow.Schema, cell func(arrow.Array, int) string) error {
	rec := b.Record
	if rec == nil {
		return errors.New("source.Next returned a batch without a Record and no error")
	}
	if int64(len(b.Rows)) != rec.NumRows() {
		return fmt.Errorf("batch has %d records but %d row numbers", rec.NumRows(), len(b.Rows))
	}
	if rec.NumRows() == 0 {
		return errors.New("source.Next returned an empty batch (the end is io.EOF)")
	}
	if *schema == nil {
		*schema = rec.Schema()
		for _, f := range rec.Schema().Fields() {
			res.Fields = append(res.Fields, f.Name)
		}
	} else if !(*schema).Equal(rec.Schema()) {
		return fmt.Errorf("batch schema %v differs from the first batch's %v", rec.Schema(), *schema)
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		row := make([]string, rec.NumCols())
		for j := range row {
			row[j] = cell(rec.Column(j), i)
		}
		res.Values = append(res.Values, row)
	}
	res.Rows = append(res.Rows, b.Rows...)
	res.BatchSizes = append(res.BatchSizes, int(rec.NumRows()))
	return nil
}

// CellString returns value i of a as text: strings and binaries as they are, null as "",
// any other type as Arrow's ValueStr formats it.
func CellString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return ""
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	}
	return a.ValueStr(i)
}

// TypedCell returns value i of a as its type tag and value ("string:Kastanja",
// "int64:3", "date32:2024-03-05", "timestamp[us,\"UTC\"]:…"), "null" for a null.
func TypedCell(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "null"
	}
	switch x := a.(type) {
	case *array.String:
		return "string:" + x.Value(i)
	case *array.Int64:
		return fmt.Sprintf("int64:%d", x.Value(i))
	case *array.Float64:
		return fmt.Sprintf("float64:%v", x.Value(i))
	case *array.Date32:
		return "date32:" + x.Value(i).FormattedString()
	case *array.Timestamp:
		tt := x.DataType().(*arrow.TimestampType)
		return fmt.Sprintf("timestamp[%s,%q]:%s", tt.Unit, tt.TimeZone, x.Value(i).ToTime(tt.Unit).Format(time.RFC3339Nano))
	case *array.Boolean:
		return fmt.Sprintf("bool:%v", x.Value(i))
	}
	return fmt.Sprintf("unexpected %T", a)
}

// checkRead reads the source opened with opts and compares it with table projected on
// opts.Keep: values, row numbers, Stats.Records and (for a file) Stats.SHA256.
func checkRead(t *testing.T, h Harness, table Table, opts connectors.Options) Result {
	t.Helper()
	src := mustOpen(t, h, opts)
	res, err := ReadAll(context.Background(), src)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	keep := opts.Keep
	if keep == nil {
		keep = []string{}
	}
	if !reflect.DeepEqual(append([]string{}, res.Fields...), keep) {
		t.Fatalf("batches hold columns %q, want exactly Keep %q", res.Fields, keep)
	}
	want := table.Project(keep)
	if h.Normalize != nil {
		for _, row := range want {
			for k := range row {
				row[k] = h.Normalize(keep[k], row[k])
			}
		}
	}
	if err := diffValues(want, res.Values); err != nil {
		t.Fatal(err)
	}
	wantRows := make([]int64, len(table.Rows))
	for i := range wantRows {
		wantRows[i] = h.RowNumber(table, i)
	}
	if err := diffRows(wantRows, res.Rows); err != nil {
		t.Fatal(err)
	}
	st := src.Stats()
	if st.Records != int64(len(table.Rows)) {
		t.Fatalf("Stats().Records = %d after io.EOF, want %d", st.Records, len(table.Rows))
	}
	if fi, err := os.Stat(opts.Path); opts.Path != "" && err == nil && fi.Mode().IsRegular() {
		data, err := os.ReadFile(opts.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if st.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("Stats().SHA256 = %q after io.EOF, want the file's %x", st.SHA256, sum)
		}
	}
	return res
}

// diffValues reports the first difference between the expected and the read records.
func diffValues(want, got [][]string) error {
	for i := 0; i < min(len(want), len(got)); i++ {
		if len(want[i]) != len(got[i]) {
			return fmt.Errorf("record %d has %d values, want %d", i, len(got[i]), len(want[i]))
		}
		for k := range want[i] {
			if want[i][k] != got[i][k] {
				// Positions and lengths only: even a test register's values stay out of messages.
				return fmt.Errorf("record %d field %d differs from the register (%d bytes, want %d)", i, k, len(got[i][k]), len(want[i][k]))
			}
		}
	}
	if len(want) != len(got) {
		return fmt.Errorf("read %d records, want %d", len(got), len(want))
	}
	return nil
}

// diffRows reports the first difference between the expected and the read row numbers.
func diffRows(want, got []int64) error {
	for i := 0; i < min(len(want), len(got)); i++ {
		if want[i] != got[i] {
			return fmt.Errorf("record %d has row number %d, want %d", i, got[i], want[i])
		}
	}
	if len(want) != len(got) {
		return fmt.Errorf("%d row numbers, want %d", len(got), len(want))
	}
	return nil
}

// checkBatchSizes checks that no batch holds more than batchRows records (a source may cut
// a batch short, at a row group say) and that the batches hold every record.
func checkBatchSizes(sizes []int, batchRows, total int) error {
	n := 0
	for _, s := range sizes {
		if s > batchRows {
			return fmt.Errorf("batch sizes %v: want at most %d records a batch", sizes, batchRows)
		}
		n += s
	}
	if n != total {
		return fmt.Errorf("batch sizes %v add up to %d, want %d", sizes, n, total)
	}
	return nil
}

// checkBroken checks how a malformed input failed.
func checkBroken(err error, br Broken) error {
	if err == nil {
		return fmt.Errorf("malformed input read without error, want %v", br.Err)
	}
	if !errors.Is(err, br.Err) {
		return fmt.Errorf("error %v, want one wrapping %v", err, br.Err)
	}
	var pe *connectors.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("error %v (%T) is not a *connectors.ParseError", err, err)
	}
	if pe.File == "" {
		return fmt.Errorf("error %v names no file", err)
	}
	if br.Row > 0 && pe.Row != br.Row {
		return fmt.Errorf("error %v cites row %d, want %d", err, pe.Row, br.Row)
	}
	if br.Column != "" && pe.Column != br.Column {
		return fmt.Errorf("error %v cites column %q, want %q", err, pe.Column, br.Column)
	}
	return nil
}

// checkNoLeak fails the test when err's text quotes one of values. The file name a
// ParseError cites is taken out first: it is the test's own temporary path.
func checkNoLeak(t *testing.T, err error, values []string) {
	t.Helper()
	msg := err.Error()
	var pe *connectors.ParseError
	if errors.As(err, &pe) && pe.File != "" {
		msg = strings.ReplaceAll(msg, pe.File, "FILE")
	}
	if leaks := Leaks(msg, values); len(leaks) > 0 {
		t.Fatalf("error %q quotes the values %q", msg, leaks)
	}
}

// mustOpen opens a source and closes it when the test ends.
func mustOpen(t *testing.T, h Harness, opts connectors.Options) connectors.Source {
	t.Helper()
	src, err := h.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// openAndRead opens and reads a source to the end, returning the first error.
func openAndRead(h Harness, opts connectors.Options) error {
	src, err := h.Open(opts)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = ReadAll(context.Background(), src)
	return err
}
