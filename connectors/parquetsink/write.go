package parquetsink

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// ColumnType is the type of a table column.
type ColumnType int

// The column types. A cell of a column holds the Go type named here, or nil for null.
const (
	String ColumnType = iota // string, UTF-8 (Parquet BYTE_ARRAY with logical type STRING)
	Int64                    // int64 (Parquet INT64 with logical type INT(64, signed))
	Double                   // float64 (Parquet DOUBLE)
	Bool                     // bool (Parquet BOOLEAN)
)

// String returns the type's name: "string", "int64", "double" or "bool".
func (t ColumnType) String() string {
	switch t {
	case String:
		return "string"
	case Int64:
		return "int64"
	case Double:
		return "double"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("ColumnType(%d)", int(t))
}

// Column is one column of a Table. Every column Write writes is optional (nullable): a
// suppressed cell's aggregates are null, and readers need no special case for the others.
type Column struct {
	Name string
	Type ColumnType
}

// Table is a small in-memory table. Rows[i][j] is the value of row i in Columns[j]: a
// string, int64, float64 or bool matching the column's type, or nil for null.
type Table struct {
	Columns []Column
	Rows    [][]any
}

// Compressions lists the compression names Write accepts.
var Compressions = []string{"zstd", "snappy", "gzip", "none"}

// Errors Write returns (wrapped with the file and, where it applies, the column and row).
var (
	ErrCompression = errors.New("unknown compression (want zstd, snappy, gzip or none)")
	ErrSchema      = errors.New("invalid table schema")
	ErrValueType   = errors.New("value of the wrong type for its column")
	ErrVerify      = errors.New("written file does not read back as the table")
)

func codec(name string) (compress.Codec, error) {
	switch name {
	case "zstd":
		return &zstd.Codec{}, nil
	case "snappy":
		return &snappy.Codec{}, nil
	case "gzip":
		return &gzip.Codec{}, nil
	case "none":
		return &uncompressed.Codec{}, nil
	}
	return nil, ErrCompression
}

// orderedGroup is a parquet group whose fields keep the table's column order: parquet.Group
// alone would sort them by name.
type orderedGroup struct {
	parquet.Group
	order []string
}

// Fields returns the group's fields in the table's column order.
func (g orderedGroup) Fields() []parquet.Field {
	fields := slices.Clone(g.Group.Fields())
	rank := make(map[string]int, len(g.order))
	for i, name := range g.order {
		rank[name] = i
	}
	slices.SortStableFunc(fields, func(a, b parquet.Field) int { return rank[a.Name()] - rank[b.Name()] })
	return fields
}

func schemaOf(cols []Column) (*parquet.Schema, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no columns", ErrSchema)
	}
	g := orderedGroup{Group: parquet.Group{}}
	for _, c := range cols {
		if c.Name == "" {
			return nil, fmt.Errorf("%w: empty column name", ErrSchema)
		}
		if _, dup := g.Group[c.Name]; dup {
			return nil, fmt.Errorf("%w: duplicated column %q", ErrSchema, c.Name)
		}
		var leaf parquet.Node
		switch c.Type {
		case String:
			leaf = parquet.String()
		case Int64:
			leaf = parquet.Int(64)
		case Double:
			leaf = parquet.Leaf(parquet.DoubleType)
		case Bool:
			leaf = parquet.Leaf(parquet.BooleanType)
		default:
			return nil, fmt.Errorf("%w: column %q has unknown type %d", ErrSchema, c.Name, int(c.Type))
		}
		g.Group[c.Name] = parquet.Optional(leaf)
		g.order = append(g.order, c.Name)
	}
	return parquet.NewSchema("statexport", g), nil
}

// row builds the parquet row of t.Rows[i], checking every value's type.
func row(t Table, i int, buf parquet.Row) (parquet.Row, error) {
	r := t.Rows[i]
	if len(r) != len(t.Columns) {
		return nil, fmt.Errorf("row %d: %d values for %d columns: %w", i+1, len(r), len(t.Columns), ErrValueType)
	}
	buf = buf[:0]
	for j, v := range r {
		if v == nil {
			buf = append(buf, parquet.NullValue().Level(0, 0, j))
			continue
		}
		ok := false
		switch t.Columns[j].Type {
		case String:
			_, ok = v.(string)
		case Int64:
			_, ok = v.(int64)
		case Double:
			_, ok = v.(float64)
		case Bool:
			_, ok = v.(bool)
		}
		if !ok {
			// %T names the Go type only, never the value.
			return nil, fmt.Errorf("row %d column %q: %T where %s was expected: %w", i+1, t.Columns[j].Name, v, t.Columns[j].Type, ErrValueType)
		}
		buf = append(buf, parquet.ValueOf(v).Level(0, 1, j))
	}
	return buf, nil
}

// Write writes t to path as a Parquet file with the given compression ("zstd", "snappy",
// "gzip" or "none") and footer key-value metadata, and returns the hex sha256 of the bytes
// written.
//
// The file is created with mode 0600 (the caller sets the final mode), truncated if it
// exists, and fsynced. Columns appear in the file in t.Columns order, every one optional;
// a table with no rows is written with its schema. Before returning, Write reads the file
// back and checks it holds exactly t's columns, rows and values and meta's entries, and that
// its bytes hash to the returned sum. On any error the file is removed.
func Write(path string, t Table, meta map[string]string, compression string) (sha256hex string, err error) {
	cc, err := codec(compression)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	schema, err := schemaOf(t.Columns)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)
	if err = encode(bw, schema, t, meta, cc); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return "", fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err = verify(path, t, meta, sum); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return sum, nil
}

func encode(w io.Writer, schema *parquet.Schema, t Table, meta map[string]string, cc compress.Codec) (err error) {
	defer func() {
		// parquet-go panics on some misuse; report it without any value.
		if r := recover(); r != nil {
			err = fmt.Errorf("parquet encoder failed: %v", r)
		}
	}()
	opts := []parquet.WriterOption{schema, parquet.Compression(cc), parquet.CreatedBy("statexport", "", "")}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		opts = append(opts, parquet.KeyValueMetadata(k, meta[k]))
	}
	pw := parquet.NewWriter(w, opts...)
	buf := make(parquet.Row, 0, len(t.Columns))
	for i := range t.Rows {
		if buf, err = row(t, i, buf); err != nil {
			return err
		}
		if _, err = pw.WriteRows([]parquet.Row{buf}); err != nil {
			return err
		}
	}
	return pw.Close()
}

// verify re-reads path and compares it with what was meant to be written.
func verify(path string, t Table, meta map[string]string, sum string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
		return fmt.Errorf("%w: bytes on disk differ from the bytes written", ErrVerify)
	}
	got, gotMeta, err := Read(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if !slices.Equal(got.Columns, t.Columns) {
		return fmt.Errorf("%w: columns differ", ErrVerify)
	}
	if len(got.Rows) != len(t.Rows) {
		return fmt.Errorf("%w: %d rows read back, %d written", ErrVerify, len(got.Rows), len(t.Rows))
	}
	for k, v := range meta {
		if gv, ok := gotMeta[k]; !ok || gv != v {
			return fmt.Errorf("%w: metadata key %q differs", ErrVerify, k)
		}
	}
	for i := range t.Rows {
		for j := range t.Columns {
			if !sameValue(got.Rows[i][j], t.Rows[i][j]) {
				return fmt.Errorf("%w: row %d column %q differs", ErrVerify, i+1, t.Columns[j].Name)
			}
		}
	}
	return nil
}

// sameValue compares two cell values; floats bit for bit, so NaN equals NaN.
func sameValue(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		return math.Float64bits(fa) == math.Float64bits(fb)
	}
	return a == b
}
