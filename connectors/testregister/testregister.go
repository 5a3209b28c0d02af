package testregister

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/statexport/statexport/cmd/synthreg/synth"
)

// Kind is how a column's values are typed.
type Kind uint8

// Column kinds. Values of a Text column are strings, of a Number column float64 (NaN is
// empty), of a Date column time.Time (a calendar date; the time of day is ignored). Any value
// may be nil (empty).
const (
	Text Kind = iota
	Number
	Date
)

// Column is one column of a register.
type Column struct {
	Name string
	Kind Kind
}

// Rows produces a register's rows in order, calling emit once per row with one value per
// column; it stops at and returns emit's first error. Writers do not keep the row slice.
type Rows func(emit func(row []any) error) error

// ErrValue reports a value whose Go type does not fit its column's Kind.
var ErrValue = errors.New("testregister: value does not fit the column kind")

// empty tells whether v is an empty value.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case float64:
		return math.IsNaN(x)
	case time.Time:
		return x.IsZero()
	}
	return false
}

func check(cols []Column, row []any) error {
	if len(row) != len(cols) {
		return fmt.Errorf("%w: a row has %d values for %d columns", ErrValue, len(row), len(cols))
	}
	for i, v := range row {
		if empty(v) {
			continue
		}
		ok := false
		switch cols[i].Kind {
		case Text:
			_, ok = v.(string)
		case Number:
			_, ok = v.(float64)
		case Date:
			_, ok = v.(time.Time)
		}
		if !ok {
			return fmt.Errorf("%w: column %q", ErrValue, cols[i].Name)
		}
	}
	return nil
}

// WriteXLSX writes the register to path as a workbook with one sheet named sheet ("Sheet1"
// when empty): a header row of the column names, then one row per record; text as text
// cells, numbers as number cells, dates as serials with the built-in date format (14).
func WriteXLSX(path, sheet string, cols []Column, rows Rows) error {
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "" && sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
	} else {
		sheet = "Sheet1"
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	n := 1
	cells := make([]any, len(cols))
	err = rows(func(row []any) error {
		if err := check(cols, row); err != nil {
			return err
		}
		n++
		for i, v := range row {
			switch {
			case empty(v):
				cells[i] = nil
			case cols[i].Kind == Date:
				cells[i] = excelize.Cell{StyleID: dateStyle, Value: v}
			default:
				cells[i] = v
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// WriteParquet writes the register to path: Text columns as strings, Number columns as
// float64, Date columns as date32, empty values as nulls; row groups of rowGroup rows (0:
// 64k), zstd-compressed.
func WriteParquet(path string, cols []Column, rows Rows, rowGroup int) error {
	if rowGroup <= 0 {
		rowGroup = 65536
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		t := arrow.DataType(arrow.BinaryTypes.String)
		switch c.Kind {
		case Number:
			t = arrow.PrimitiveTypes.Float64
		case Date:
			t = arrow.FixedWidthTypes.Date32
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithMaxRowGroupLength(int64(rowGroup)))
	w, err := pqarrow.NewFileWriter(schema, out, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		rec := rb.NewRecord()
		defer rec.Release()
		pending = 0
		return w.WriteBuffered(rec)
	}
	err = rows(func(row []any) error {
		if err := check(cols, row); err != nil {
			return err
		}
		for i, v := range row {
			b := rb.Field(i)
			if empty(v) {
				b.AppendNull()
				continue
			}
			switch x := v.(type) {
			case string:
				b.(*array.StringBuilder).Append(x)
			case float64:
				b.(*array.Float64Builder).Append(x)
			case time.Time:
				b.(*array.Date32Builder).Append(arrow.Date32FromTime(dateOnly(x)))
			}
		}
		pending++
		if pending == rowGroup {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WriteJSONL writes the register to w as JSON Lines: one object a row with the columns in
// order, text as JSON strings, numbers as JSON numbers (shortest form), dates as
// "yyyy-mm-dd"; empty values are absent keys.
func WriteJSONL(w io.Writer, cols []Column, rows Rows) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		k, err := json.Marshal(c.Name)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	var buf []byte
	err := rows(func(row []any) error {
		if err := check(cols, row); err != nil {
			return err
		}
		buf = append(buf[:0], '{')
		first := true
		for i, v := range row {
			if empty(v) {
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(append(buf, keys[i]...), ':')
			switch x := v.(type) {
			case string:
				b, err := json.Marshal(x)
				if err != nil {
					return err
				}
				buf = append(buf, b...)
			case float64:
				buf = strconv.AppendFloat(buf, x, 'f', -1, 64)
			case time.Time:
				buf = append(append(append(buf, '"'), x.Format(time.DateOnly)...), '"')
			}
		}
		buf = append(buf, '}', '\n')
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// OrdinalColumn is the column LoadPostgres adds first: the 1-based row number. PostgreSQL
// keeps no insertion order (COPY may place a later row into an earlier page's free space), so
// readers that need the register's order select through OrderedQuery.
const OrdinalColumn = "_row"

// OrderedQuery returns a query reading the register's columns from a table LoadPostgres
// filled, in row order (the ordinal column left out).
func OrderedQuery(table string, cols []Column) string {
	q := "SELECT "
	for i, c := range cols {
		if i > 0 {
			q += ", "
		}
		q += pgx.Identifier{c.Name}.Sanitize()
	}
	return q + " FROM " + identifier(table).Sanitize() + " ORDER BY " + pgx.Identifier{OrdinalColumn}.Sanitize()
}

// LoadPostgres creates table (schema-qualified names allowed: schema.table; each part is
// quoted) with the ordinal column OrdinalColumn (bigint) first, then Text columns as text,
// Number columns as numeric and Date columns as date, and copies the register into it with
// COPY.
func LoadPostgres(ctx context.Context, conn *pgx.Conn, table string, cols []Column, rows Rows) error {
	ident := identifier(table)
	ddl := "CREATE TABLE " + ident.Sanitize() + " (" + pgx.Identifier{OrdinalColumn}.Sanitize() + " bigint"
	names := make([]string, len(cols)+1)
	names[0] = OrdinalColumn
	for i, c := range cols {
		t := "text"
		switch c.Kind {
		case Number:
			t = "numeric"
		case Date:
			t = "date"
		}
		ddl += ", " + pgx.Identifier{c.Name}.Sanitize() + " " + t
		names[i+1] = c.Name
	}
	if _, err := conn.Exec(ctx, ddl+")"); err != nil {
		return err
	}
	// CopyFrom pulls rows; Rows pushes them: a goroutine bridges the two.
	ch := make(chan []any, 256)
	done := make(chan struct{})
	var prodErr error
	go func() {
		defer close(ch)
		var n int64
		prodErr = rows(func(row []any) error {
			if err := check(cols, row); err != nil {
				return err
			}
			n++
			vals := make([]any, len(row)+1)
			vals[0] = n
			for i, v := range row {
				if !empty(v) {
					if t, ok := v.(time.Time); ok {
						v = dateOnly(t)
					}
					vals[i+1] = v
				}
			}
			select {
			case ch <- vals:
				return nil
			case <-done:
				return context.Canceled
			}
		})
	}()
	_, err := conn.CopyFrom(ctx, ident, names, pgx.CopyFromFunc(func() ([]any, error) {
		return <-ch, nil // nil at the end
	}))
	close(done)
	for range ch { // let the producer finish
	}
	if err != nil {
		return err
	}
	return prodErr
}

func identifier(table string) pgx.Identifier {
	for i := 0; i < len(table); i++ {
		if table[i] == '.' {
			return pgx.Identifier{table[:i], table[i+1:]}
		}
	}
	return pgx.Identifier{table}
}

// SynthColumns are the columns of cmd/synthreg's register (synth.Columns()), typed: the
// fee and hours are numbers, the start date a date, everything else text (the postal code
// too, keeping its leading zeros).
func SynthColumns() []Column {
	names := synth.Columns()
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n}
		switch n {
		case "monthly_fee", "hours":
			cols[i].Kind = Number
		case "start_date":
			cols[i].Kind = Date
		}
	}
	return cols
}

// Synth returns the rows of the register opt describes, typed as SynthColumns says; empty
// strings and NaN numbers are nil.
func Synth(opt synth.Options) Rows {
	return func(emit func([]any) error) error {
		row := make([]any, 12)
		text := func(s string) any {
			if s == "" {
				return nil
			}
			return s
		}
		num := func(f float64) any {
			if math.IsNaN(f) {
				return nil
			}
			return f
		}
		return synth.Generate(opt, func(r synth.Row) error {
			row[0], row[1], row[2], row[3], row[4], row[5] = text(r.HETU), text(r.FirstName), text(r.LastName), text(r.Street), text(r.PostalCode), text(r.Unit)
			row[6], row[7], row[8] = num(r.MonthlyFee), num(r.Hours), r.StartDate
			row[9], row[10], row[11] = text(r.Phone), text(r.Email), text(r.Notes)
			return emit(row)
		})
	}
}
