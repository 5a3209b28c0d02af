package parquetsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/statexport/statexport/connectors"
)

// DefaultBatchRows is the batch size used when Options.BatchRows is 0.
const DefaultBatchRows = 65536

// ErrMalformed reports a file the Parquet library cannot decode. The library's own message is
// not kept: it may describe the bytes it choked on.
var ErrMalformed = errors.New("malformed Parquet file")

// ErrValue reports a value that has no faithful image in the column's Arrow type (binary
// that is not UTF-8, a uint64 above MaxInt64).
var ErrValue = errors.New("value outside the column's type")

// Source reads one Parquet file. It implements connectors.Source; Open creates it.
type Source struct {
	mem     memory.Allocator
	path    string
	f       *os.File
	fr      *pqarrow.FileReader
	rr      pqarrow.RecordReader // nil when nothing is kept
	cols    []string
	keep    []string
	convs   []converter
	schema  *arrow.Schema
	batch   int
	total   int64 // records in the file (metadata)
	records int64
	sum     string // the file's sha256, reported at the end
	done    bool
	err     error
	closed  bool
}

var _ connectors.Source = (*Source)(nil)

// Open reads the footer of opts.Path, checks that every column in opts.Keep exists and has a
// supported type, and hashes the file. It fails with *connectors.ParseError for a malformed
// file (ErrMalformed, connectors.ErrEmpty for a zero-byte file), a duplicated or empty
// column name (connectors.ErrHeader), a kept column that is absent
// (connectors.ErrUnknownField), nested (connectors.ErrNested) or of an unsupported type
// (connectors.ErrType); and with an I/O error when the file cannot be read. Only Path, Keep
// and BatchRows are used. Batches and the reader's buffers come from memory.DefaultAllocator.
func Open(opts connectors.Options) (*Source, error) {
	return OpenWithAllocator(opts, memory.DefaultAllocator)
}

// OpenWithAllocator is Open with every batch's and the reader's buffers taken from mem.
func OpenWithAllocator(opts connectors.Options, mem memory.Allocator) (src *Source, err error) {
	s := &Source{mem: mem, path: opts.Path, batch: opts.BatchRows}
	if s.batch <= 0 {
		s.batch = DefaultBatchRows
	}
	defer func() {
		if r := recover(); r != nil { // the library panics on some corrupt files
			err = s.perr(0, "", ErrMalformed)
		}
		if err != nil {
			s.Close()
			src = nil
		}
	}()
	if s.sum, err = hashFile(opts.Path); err != nil {
		return nil, err
	}
	if s.f, err = os.Open(opts.Path); err != nil {
		return nil, fmt.Errorf("open parquet source: %w", err)
	}
	if fi, err := s.f.Stat(); err == nil && fi.Size() == 0 {
		return nil, s.perr(0, "", connectors.ErrEmpty)
	}
	props := parquet.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true
	pr, err := file.NewParquetReader(s.f, file.WithReadProps(props))
	if err != nil {
		return nil, s.perr(0, "", ErrMalformed)
	}
	s.total = pr.NumRows()
	s.fr, err = pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: int64(s.batch)}, mem)
	if err != nil {
		return nil, s.perr(0, "", ErrMalformed) // Close closes s.f
	}
	byName := map[string]*pqarrow.SchemaField{}
	for i := range s.fr.Manifest.Fields {
		sf := &s.fr.Manifest.Fields[i]
		name := sf.Field.Name
		if _, dup := byName[name]; dup || name == "" {
			return nil, &connectors.ParseError{File: s.path, Index: i + 1, Err: connectors.ErrHeader}
		}
		byName[name] = sf
		s.cols = append(s.cols, name)
	}
	var leaves []int
	fields := make([]arrow.Field, 0, len(opts.Keep))
	for _, k := range opts.Keep {
		sf, ok := byName[k]
		if !ok {
			return nil, s.perr(0, k, connectors.ErrUnknownField)
		}
		if !sf.IsLeaf() {
			return nil, s.perr(0, k, connectors.ErrNested)
		}
		c, err := converterFor(sf.Field.Type)
		if err != nil {
			return nil, s.perr(0, k, err)
		}
		for _, l := range leaves {
			if l == sf.ColIndex {
				return nil, fmt.Errorf("parquet source: column %q kept twice", k)
			}
		}
		leaves = append(leaves, sf.ColIndex)
		s.convs = append(s.convs, c)
		fields = append(fields, arrow.Field{Name: k, Type: c.out, Nullable: true})
	}
	s.keep = append([]string(nil), opts.Keep...)
	s.schema = arrow.NewSchema(fields, nil)
	if len(leaves) > 0 {
		rr, err := s.fr.GetRecordReader(context.Background(), leaves, nil)
		if err != nil {
			return nil, s.perr(0, "", ErrMalformed)
		}
		s.rr = rr
	}
	return s, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open parquet source: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read parquet source: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Source) perr(row int64, col string, err error) error {
	return &connectors.ParseError{File: s.path, Row: row, Column: col, Err: err}
}

// Columns returns the file's top-level column names in schema order.
func (s *Source) Columns() []string { return append([]string(nil), s.cols...) }

// Stats reports the records read so far; SHA256 is set once the last batch has been read.
func (s *Source) Stats() connectors.Stats {
	st := connectors.Stats{Records: s.records}
	if s.done {
		st.SHA256 = s.sum
	}
	return st
}

// Next returns the next batch of at most Options.BatchRows records holding the kept columns
// in Options.Keep order with the types listed in the package documentation, or io.EOF after
// the last. Errors are *connectors.ParseError (ErrMalformed, ErrValue citing the record and
// column) or I/O errors; after an error Next keeps returning it.
func (s *Source) Next(ctx context.Context) (b connectors.Batch, err error) {
	switch {
	case s.err != nil:
		return b, s.err
	case s.closed:
		return b, errors.New("parquet source: closed")
	case s.done:
		return b, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return b, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = s.perr(0, "", ErrMalformed)
		}
		if err != nil && err != io.EOF {
			s.err = err
		}
	}()
	first := s.records + 1
	var n int64
	var arrs []arrow.Array
	if s.rr == nil {
		n = min(int64(s.batch), s.total-s.records)
	} else if s.rr.Next() {
		rec := s.rr.Record()
		n = rec.NumRows()
		arrs = make([]arrow.Array, len(s.convs))
		for i, c := range s.convs {
			a, bad, err := c.conv(s.mem, rec.Column(i))
			if err != nil {
				releaseAll(arrs)
				return b, s.perr(first+int64(bad), s.keep[i], err)
			}
			arrs[i] = a
		}
	} else if err := s.rr.Err(); err != nil && err != io.EOF {
		return b, s.perr(0, "", ErrMalformed)
	}
	if n <= 0 {
		releaseAll(arrs)
		s.done = true
		return b, io.EOF
	}
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = first + int64(i)
	}
	s.records += n
	rec := arrowRecord(s.schema, arrs, n)
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

// Close releases the reader and closes the file. It is safe to call more than once.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.rr != nil {
		s.rr.Release()
		s.rr = nil
	}
	var err error
	if s.fr != nil {
		err = s.fr.ParquetReader().Close() // closes s.f too
		s.f = nil
	}
	if s.f != nil {
		err = s.f.Close()
	}
	return err
}
