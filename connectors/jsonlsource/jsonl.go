package jsonlsource

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/connectors"
)

// MaxLineBytes is the longest line (one record) the reader accepts; a longer line fails with
// connectors.ErrTooLarge.
const MaxLineBytes = 16 << 20

// MaxKeys is the largest number of distinct top-level keys (columns) a file may hold.
const MaxKeys = 10000

// DefaultBatchRows is the batch size used when Options.BatchRows is 0.
const DefaultBatchRows = 65536

// Sentinel errors wrapped by *connectors.ParseError besides those of package connectors. None
// quotes the input.
var (
	ErrSyntax       = errors.New("invalid JSON")
	ErrNotObject    = errors.New("the line is not a JSON object")
	ErrDuplicateKey = errors.New("a key appears twice in one object")
	ErrBlankLine    = errors.New("blank line between records")
	ErrTooManyKeys  = fmt.Errorf("more than %d distinct keys", MaxKeys)
)

// Source reads one JSON Lines file. It implements connectors.Source; Open creates it.
type Source struct {
	mem      memory.Allocator
	path     string
	cols     []string
	colIdx   map[string]int // column name → 0-based position in cols
	keep     []string
	keepAt   []int // column position → position in the record, -1 when not kept
	batch    int
	f        *os.File
	sc       *bufio.Scanner
	parser   scanner
	h        hash.Hash
	line     int64   // lines read so far
	blank    int64   // first blank line not yet followed by a record; 0 when none
	stamp    []int64 // column position → last line whose record held the key
	set      []bool
	vals     [][]byte
	nulls    []bool
	records  int64
	sum      string
	done     bool
	err      error // sticky: once Next fails it keeps failing
	closeErr error
	closed   bool
}

var _ connectors.Source = (*Source)(nil)

// Open reads the keys of every record of opts.Path (first pass) and prepares the second pass
// that Next streams. It fails with *connectors.ParseError for malformed input (citing the
// line, and the key where one is at fault), with connectors.ErrEmpty when the file holds no
// record, with connectors.ErrUnknownField when opts.Keep names a key no record has, and with
// an I/O error when the file cannot be read. Only Path, Keep and BatchRows are used. Batches
// are built with memory.DefaultAllocator.
func Open(opts connectors.Options) (*Source, error) {
	return OpenWithAllocator(opts, memory.DefaultAllocator)
}

// OpenWithAllocator is Open with every batch's buffers taken from mem.
func OpenWithAllocator(opts connectors.Options, mem memory.Allocator) (*Source, error) {
	cols, err := scanKeys(opts.Path)
	if err != nil {
		return nil, err
	}
	s := &Source{
		mem:    mem,
		path:   opts.Path,
		cols:   cols,
		colIdx: make(map[string]int, len(cols)),
		keepAt: make([]int, len(cols)),
		stamp:  make([]int64, len(cols)),
		batch:  opts.BatchRows,
		h:      sha256.New(),
	}
	if s.batch <= 0 {
		s.batch = DefaultBatchRows
	}
	for i, c := range cols {
		s.colIdx[c] = i
		s.keepAt[i] = -1
	}
	for i, k := range opts.Keep {
		c, ok := s.colIdx[k]
		if !ok {
			return nil, &connectors.ParseError{File: opts.Path, Column: k, Err: connectors.ErrUnknownField}
		}
		if s.keepAt[c] >= 0 {
			return nil, fmt.Errorf("jsonl source: column %q kept twice", k)
		}
		s.keepAt[c] = i
	}
	s.keep = append([]string(nil), opts.Keep...)
	s.set = make([]bool, len(s.keep))
	s.vals = make([][]byte, len(s.keep))
	s.nulls = make([]bool, len(s.keep))
	f, err := os.Open(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("open jsonl source: %w", err)
	}
	s.f = f
	s.sc = newScanner(io.TeeReader(f, s.h))
	return s, nil
}

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes+1)
	return sc
}

// scanKeys is the first pass: it checks every line and returns the union of the keys.
func scanKeys(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open jsonl source: %w", err)
	}
	defer f.Close()
	var (
		keys   []string
		index  = map[string]int{}
		stamp  []int64
		line   int64
		blank  int64
		recs   int64
		parser scanner
	)
	sc := newScanner(f)
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, bom)
		}
		if isBlank(b) {
			if blank == 0 {
				blank = line
			}
			continue
		}
		if blank != 0 {
			return nil, &connectors.ParseError{File: path, Row: blank, Err: ErrBlankLine}
		}
		recs++
		key, err := parser.parse(b, func(fl *field) error {
			i, ok := index[string(fl.key)]
			if !ok {
				if len(keys) == MaxKeys {
					return &connectors.ParseError{File: path, Row: line, Err: ErrTooManyKeys}
				}
				i = len(keys)
				keys = append(keys, string(fl.key))
				index[keys[i]] = i
				stamp = append(stamp, 0)
			}
			if stamp[i] == line {
				return cite(&connectors.ParseError{File: path, Row: line, Err: ErrDuplicateKey}, fl.key, i)
			}
			stamp[i] = line
			return nil
		})
		if err != nil {
			var pe *connectors.ParseError
			if errors.As(err, &pe) {
				return nil, err
			}
			pe = &connectors.ParseError{File: path, Row: line, Err: err}
			if key != nil {
				i, ok := index[string(key)]
				if !ok {
					i = len(keys)
				}
				cite(pe, key, i)
			}
			return nil, pe
		}
	}
	if err := sc.Err(); err != nil {
		return nil, scanError(path, line, err)
	}
	if recs == 0 {
		return nil, &connectors.ParseError{File: path, Row: 1, Err: connectors.ErrEmpty} // where the first record belongs
	}
	return keys, nil
}

var bom = []byte("\uFEFF")

func isBlank(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }

func scanError(path string, line int64, err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return &connectors.ParseError{File: path, Row: line + 1, Err: connectors.ErrTooLarge}
	}
	return fmt.Errorf("read jsonl source: %w", err)
}

// cite names the key in pe, or only its 1-based position when the key itself looks like
// personal data (values used as keys). It returns pe.
func cite(pe *connectors.ParseError, key []byte, index int) *connectors.ParseError {
	if k := string(key); len(pii.Detect(k)) > 0 {
		pe.Index = index + 1
	} else {
		pe.Column = k
	}
	return pe
}

// Columns returns the union of the records' top-level keys in first-seen order.
func (s *Source) Columns() []string { return append([]string(nil), s.cols...) }

// Stats reports the records read so far; SHA256 is set once the end of the file is reached.
func (s *Source) Stats() connectors.Stats {
	return connectors.Stats{Records: s.records, SHA256: s.sum}
}

// Next returns the next batch of at most Options.BatchRows records with the kept columns
// (Arrow strings, nulls for null or missing keys), or io.EOF after the last. Errors are
// *connectors.ParseError citing the line (and key) or I/O errors; after an error Next keeps
// returning it.
func (s *Source) Next(ctx context.Context) (connectors.Batch, error) {
	if s.err != nil {
		return connectors.Batch{}, s.err
	}
	if s.closed {
		return connectors.Batch{}, errors.New("jsonl source: closed")
	}
	if s.done {
		return connectors.Batch{}, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return connectors.Batch{}, err
	}
	builders := make([]*array.StringBuilder, len(s.keep))
	for i := range builders {
		builders[i] = array.NewStringBuilder(s.mem)
	}
	defer func() {
		for _, b := range builders {
			b.Release()
		}
	}()
	rows := make([]int64, 0, min(s.batch, 4096))
	for len(rows) < s.batch {
		if !s.sc.Scan() {
			if err := s.sc.Err(); err != nil {
				s.err = scanError(s.path, s.line, err)
				return connectors.Batch{}, s.err
			}
			s.done = true
			s.sum = hex.EncodeToString(s.h.Sum(nil))
			break
		}
		s.line++
		b := s.sc.Bytes()
		if s.line == 1 {
			b = bytes.TrimPrefix(b, bom)
		}
		if isBlank(b) {
			if s.blank == 0 {
				s.blank = s.line
			}
			continue
		}
		if s.blank != 0 {
			s.err = &connectors.ParseError{File: s.path, Row: s.blank, Err: ErrBlankLine}
			return connectors.Batch{}, s.err
		}
		if err := s.record(b); err != nil {
			s.err = err
			return connectors.Batch{}, err
		}
		for i, bld := range builders {
			if s.nulls[i] {
				bld.AppendNull()
			} else {
				bld.BinaryBuilder.Append(s.vals[i])
			}
		}
		rows = append(rows, s.line)
		s.records++
	}
	if len(rows) == 0 {
		return connectors.Batch{}, io.EOF
	}
	fields := make([]arrow.Field, len(s.keep))
	arrs := make([]arrow.Array, len(s.keep))
	for i, name := range s.keep {
		fields[i] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
		arrs[i] = builders[i].NewArray()
	}
	rec := array.NewRecord(arrow.NewSchema(fields, nil), arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

// record parses one non-blank line into s.vals / s.nulls.
func (s *Source) record(b []byte) error {
	clear(s.set)
	key, err := s.parser.parse(b, func(f *field) error {
		c, ok := s.colIdx[string(f.key)]
		if !ok { // the file changed since the first pass
			return cite(&connectors.ParseError{File: s.path, Row: s.line, Err: connectors.ErrUnknownField}, f.key, len(s.cols))
		}
		if s.stamp[c] == s.line {
			return cite(&connectors.ParseError{File: s.path, Row: s.line, Err: ErrDuplicateKey}, f.key, c)
		}
		s.stamp[c] = s.line
		if k := s.keepAt[c]; k >= 0 {
			s.set[k] = true
			if f.num {
				s.vals[k], _ = canonicalNumber(s.vals[k][:0], f.val)
			} else {
				s.vals[k] = append(s.vals[k][:0], f.val...)
			}
			s.nulls[k] = f.null
		}
		return nil
	})
	if err != nil {
		var pe *connectors.ParseError
		if errors.As(err, &pe) {
			return err
		}
		pe = &connectors.ParseError{File: s.path, Row: s.line, Err: err}
		if key != nil {
			c, ok := s.colIdx[string(key)]
			if !ok {
				c = len(s.cols)
			}
			cite(pe, key, c)
		}
		return pe
	}
	for i, ok := range s.set {
		if !ok {
			s.vals[i], s.nulls[i] = s.vals[i][:0], true
		}
	}
	return nil
}

// Close closes the file. It is safe to call more than once.
func (s *Source) Close() error {
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	if s.f != nil {
		s.closeErr = s.f.Close()
	}
	return s.closeErr
}
