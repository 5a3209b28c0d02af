package connectors

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Source reads one register extract as Arrow record batches. It is the seam every connector
// plugs into: open (done by the constructor), Columns, Next until io.EOF, Close.
//
// A Source never hands out the values of columns the caller did not ask for: identifiers and
// dropped columns are skipped inside the connector (see Options.Keep).
type Source interface {
	// Columns returns every column name of the source, exactly as the source spells it
	// (after decoding and trimming a BOM), in source order. It is known after opening.
	Columns() []string
	// Next returns the next batch, or io.EOF after the last one. The caller must Release
	// the batch's Record. Errors are *ParseError (malformed input) or I/O errors; neither
	// ever quotes a value.
	Next(ctx context.Context) (Batch, error)
	// Stats reports what has been read so far.
	Stats() Stats
	// Close releases the source's resources. It is safe to call more than once.
	Close() error
}

// Batch is a slice of consecutive source records. Record holds exactly the kept columns
// (Options.Keep order); Rows[i] is the source row number of record i, as SPEC.md's "Row
// numbers" defines it (CSV: the physical line where the record starts, header = 1; XLSX: the
// sheet row; Parquet and JSONL: the 1-based record).
type Batch struct {
	Record arrow.Record
	Rows   []int64
}

// Stats counts what a source has read.
type Stats struct {
	Records int64  // data records read (header excluded)
	SHA256  string // hex sha256 of the file's bytes once the whole file is read (file sources); else ""
}

// Options configure a source. The zero value of a text option means "auto".
type Options struct {
	Path      string // file sources
	Encoding  string // csv: auto | utf-8 | windows-1252 | iso-8859-15
	Delimiter string // csv: auto | ; | , | \t | |
	Sheet     string // xlsx
	DSN       string // postgres (read from the variable config names; never logged)
	Table     string // postgres
	Query     string // postgres
	// Keep lists the columns to hand out, by source name, in the order they appear in each
	// Batch.Record. A kept column of a text source is a string column; typed sources keep
	// their Arrow type (int64, float64, decimal128, date32, timestamp, string, bool).
	// Nil keeps nothing but still reads every record (for counting and checking).
	Keep []string
	// BatchRows is the number of records per batch; 0 means a default (about 64k).
	BatchRows int
	// Allocator supplies the batches' buffers where a source builds them itself (csv,
	// postgres); nil means memory.DefaultAllocator. An allocator that reuses released buffers
	// binds the consumer: no value of a batch may be kept past its Release.
	Allocator memory.Allocator
}

// Sentinel errors wrapped by ParseError. They describe what was expected, never the value.
var (
	ErrQuote        = errors.New("unterminated or misplaced quote")
	ErrFieldCount   = errors.New("wrong number of fields")
	ErrHeader       = errors.New("duplicated or empty header name")
	ErrEmpty        = errors.New("empty file: no header")
	ErrEncoding     = errors.New("bytes invalid in the encoding")
	ErrNested       = errors.New("nested value where a scalar was expected")
	ErrType         = errors.New("unsupported column type")
	ErrTooLarge     = errors.New("too large to read in memory")
	ErrUnknownField = errors.New("column not in the source")
)

// ParseError reports malformed input at a position. It has no field for the value on
// purpose, so no value can leak through it.
type ParseError struct {
	File   string // file name (or "postgres") as the user gave it
	Row    int64  // row number as SPEC.md defines it; 0 when unknown
	Column string // column name as the source spells it; empty when unknown or unsafe to print
	Index  int    // 1-based column position, cited when Column is empty; 0 when unknown
	Err    error  // a sentinel above, or another error that quotes no value
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Row > 0 {
		s += fmt.Sprintf(":%d", e.Row)
	}
	switch {
	case e.Column != "":
		s += fmt.Sprintf(": column %q", e.Column)
	case e.Index > 0:
		s += fmt.Sprintf(": column %d", e.Index)
	}
	return s + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }
