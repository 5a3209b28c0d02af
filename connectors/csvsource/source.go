package csvsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"golang.org/x/text/unicode/norm"

	"github.com/statexport/statexport/connectors"
)

// DefaultBatchRows is the number of records per batch when Options.BatchRows is 0.
const DefaultBatchRows = 65536

// MaxRecordBytes is the longest record (in file bytes) the source buffers. A longer record
// fails with connectors.ErrTooLarge, or with connectors.ErrQuote when it is an unterminated
// quote running to the end of the file, without reading the rest of the file into memory.
const MaxRecordBytes = 16 << 20

// ErrOption reports an Options value the CSV source does not accept (a configuration error,
// not malformed input).
var ErrOption = errors.New("invalid csv source option")

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("csv source is closed")

// tuning holds the buffer sizes; tests shrink them to exercise chunk boundaries.
type tuning struct {
	chunkSize int // bytes per read
	headroom  int // bytes in front of each chunk for the previous chunk's unfinished record
	maxRecord int // see MaxRecordBytes
}

var defaultTuning = tuning{chunkSize: 4 << 20, headroom: 64 << 10, maxRecord: MaxRecordBytes}

const (
	sniffBytes      = 64 << 10  // the delimiter is sniffed from at most this much text...
	sniffRecords    = 100       // ...and at most this many records (header included)
	maxBatchBytes   = 512 << 20 // a batch ends early past this many file bytes (int32 offsets)
	initialRowsHint = 4096
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// errNeedMore tells the record parser's caller that the record runs past the buffered bytes.
var errNeedMore = errors.New("csvsource: record continues past the buffer")

// Source reads one CSV file; it implements connectors.Source. It is not safe for concurrent
// use: one goroutine calls Next, Stats and Close.
type Source struct {
	path string // Options.Path as given: errors cite it
	file *os.File
	rd   *chunkReader
	tu   tuning
	mem  memory.Allocator

	// Buffered input: the unparsed bytes are buf[pos:]. cur is the chunk buffer buf lives
	// in (nil when buf is the spill buffer, used for records longer than the headroom).
	cur   []byte
	buf   []byte
	pos   int
	spill []byte
	eof   bool // every chunk has been received
	// buf[:checked] ends at a line end; when checkedOK, those bytes are known valid in the
	// encoding and one-line records in them skip the per-line check (see spanChecked).
	checked   int
	checkedOK bool
	sum       string // sha256 of the file, once eof

	delim    byte
	delimSep []byte
	enc      encoding
	tab      *decodeTable // decoding table once enc is a single-byte charset; else nil

	header   []string  // column names, trimmed and NFC
	hdr      []string  // header fields while the header record is parsed
	inHeader bool      // the record parser is reading the header
	slot     []int32   // per source column: index into cols, or -1 when not kept
	lastKept int       // highest kept source column, -1 when none
	cols     []*strCol // one builder per distinct kept source column
	outIdx   []int32   // per Keep entry: index into cols
	schema   *arrow.Schema
	scratch  []byte // unescaped quoted field

	batchRows  int
	line       int64   // physical line where the next record starts
	rows       []int64 // Rows of the batch being built
	n          int     // records in the batch being built
	batchBytes int     // file bytes of the batch being built
	records    int64   // records handed out
	lastRows   int     // records in the previous batch: the next one's Rows capacity

	finished bool  // every record has been handed out: Next returns io.EOF
	err      error // sticky: a failed source stays failed
	closed   bool
}

var _ connectors.Source = (*Source)(nil)

// Open opens the CSV file opts.Path, reads and checks its header, resolves opts.Keep and
// returns a Source positioned at the first record. Record buffers come from opts.Allocator
// (nil: memory.DefaultAllocator). Errors are *connectors.ParseError (malformed header, unknown Keep
// column, empty file), an error wrapping ErrOption (bad Encoding or Delimiter), or the
// *os.PathError of opening or reading the file. ParseError.File is opts.Path as given.
//
// Encoding: "auto" (or "") decides at the file's first byte >= 0x80, UTF-8 when a valid
// UTF-8 sequence starts there, else Windows-1252; a UTF-8 BOM means UTF-8. The BOM is
// stripped under "auto" and "utf-8" only. Bytes the encoding leaves undefined fail with
// connectors.ErrEncoding: invalid UTF-8; 0x81 0x8D 0x8F 0x90 0x9D in Windows-1252; and
// 0x80-0x9F in ISO-8859-15 (C1 controls there mean a mislabelled Windows-1252 file).
// Delimiter: "auto" (or "") picks among ';' ',' tab '|' the one occurring (outside quotes)
// in the header and as often in each of the first 100 records, splitting the header into
// most fields, ';' first on ties; `\t` (two characters) means tab.
func Open(opts connectors.Options) (*Source, error) {
	return OpenWithAllocator(opts, opts.Allocator)
}

// OpenWithAllocator is Open with the allocator that record buffers come from (nil means
// memory.DefaultAllocator). Once every batch is released and the Source closed, every byte
// allocated from mem has been freed, which tests check with memory.NewCheckedAllocator.
func OpenWithAllocator(opts connectors.Options, mem memory.Allocator) (*Source, error) {
	return open(opts, mem, defaultTuning)
}

func open(opts connectors.Options, mem memory.Allocator, tu tuning) (*Source, error) {
	enc, ok := parseEncoding(opts.Encoding)
	if !ok {
		return nil, fmt.Errorf("%w: source.encoding: must be auto, utf-8, windows-1252 or iso-8859-15", ErrOption)
	}
	delim, ok := parseDelimiter(opts.Delimiter)
	if !ok {
		return nil, fmt.Errorf(`%w: source.delimiter: must be auto, ";", ",", "\t" or "|"`, ErrOption)
	}
	if opts.BatchRows < 0 {
		return nil, fmt.Errorf("%w: batch rows: must be >= 0", ErrOption)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	f, err := os.Open(opts.Path)
	if err != nil {
		return nil, err
	}
	bufSize := tu.chunkSize
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < int64(bufSize) {
		bufSize = int(fi.Size()) + 1 // one read reaches the end of a small file
	}
	s := &Source{
		path:      opts.Path,
		file:      f,
		rd:        startReader(f, bufSize, tu.headroom),
		tu:        tu,
		mem:       mem,
		delim:     delim,
		batchRows: opts.BatchRows,
		line:      1,
	}
	s.setEncoding(enc)
	if s.batchRows == 0 {
		s.batchRows = DefaultBatchRows
	}
	if err := s.readHeader(opts.Keep); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func parseDelimiter(d string) (byte, bool) {
	switch d {
	case "", "auto":
		return 0, true
	case ";", ",", "|", "\t":
		return d[0], true
	case `\t`:
		return '\t', true
	}
	return 0, false
}

func (s *Source) setEncoding(e encoding) {
	s.enc = e
	s.tab = e.table()
}

// perr builds a ParseError for the record starting at row; f is the 0-based field, or -1
// when unknown. A kept column is cited by name (the config named it, so the name is safe to
// print); any other by position only, as a name could be a value of a headerless extract.
func (s *Source) perr(row int64, f int, err error) *connectors.ParseError {
	e := &connectors.ParseError{File: s.path, Row: row, Err: err}
	if f >= 0 {
		e.Index = f + 1
		if !s.inHeader && f < len(s.slot) && s.slot[f] >= 0 {
			e.Column = s.header[f]
		}
	}
	return e
}

// readHeader skips a BOM and leading blank lines, settles the delimiter, parses the header
// record and resolves keep.
func (s *Source) readHeader(keep []string) error {
	ctx := context.Background()
	for len(s.buf)-s.pos < len(bom) && !s.eof {
		if err := s.more(ctx); err != nil {
			return err
		}
	}
	if (s.enc == encUndecided || s.enc == encUTF8) && bytes.HasPrefix(s.buf[s.pos:], bom) {
		s.pos += len(bom)
		s.setEncoding(encUTF8)
	}
	for { // blank lines before the header
		rec := s.buf[s.pos:]
		nl := bytes.IndexByte(rec, '\n')
		if nl < 0 && !s.eof {
			if err := s.more(ctx); err != nil {
				return err
			}
			continue
		}
		line := rec
		if nl >= 0 {
			line = rec[:nl]
		}
		if len(bytes.Trim(line, " \t\r")) > 0 {
			break
		}
		if nl < 0 {
			return &connectors.ParseError{File: s.path, Row: 1, Err: connectors.ErrEmpty} // where the header belongs
		}
		s.pos += nl + 1
		s.line++
	}
	if s.delim == 0 {
		limit := min(sniffBytes, s.tu.maxRecord)
		for len(s.buf)-s.pos < limit && !s.eof {
			if err := s.more(ctx); err != nil {
				return err
			}
		}
		sample, complete := s.buf[s.pos:], s.eof
		if len(sample) > limit {
			sample, complete = sample[:limit], false
		}
		s.delim = sniff(sample, complete)
	}
	s.delimSep = []byte{s.delim}

	s.inHeader = true
	row := s.line
	for {
		consumed, nls, err := s.record(s.buf[s.pos:], s.line)
		if err == errNeedMore {
			s.hdr = s.hdr[:0]
			if err := s.more(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		s.pos += consumed
		s.line += 1 + int64(nls)
		break
	}
	s.inHeader = false
	return s.resolve(row, keep)
}

// resolve checks the header names (row is the line where the header starts) and maps keep
// onto them.
func (s *Source) resolve(row int64, keep []string) error {
	s.header = make([]string, len(s.hdr))
	seen := make(map[string]int, len(s.hdr))
	for i, h := range s.hdr {
		name := norm.NFC.String(strings.TrimSpace(h))
		if name == "" {
			return &connectors.ParseError{File: s.path, Row: row, Index: i + 1, Err: connectors.ErrHeader}
		}
		if _, dup := seen[name]; dup {
			return &connectors.ParseError{File: s.path, Row: row, Index: i + 1, Err: connectors.ErrHeader}
		}
		seen[name] = i
		s.header[i] = name
	}
	s.hdr = nil
	s.slot = make([]int32, len(s.header))
	for i := range s.slot {
		s.slot[i] = -1
	}
	s.lastKept = -1
	fields := make([]arrow.Field, 0, len(keep))
	for _, name := range keep {
		i, ok := seen[name]
		if !ok {
			i, ok = seen[norm.NFC.String(name)]
		}
		if !ok {
			return &connectors.ParseError{File: s.path, Column: name, Err: connectors.ErrUnknownField}
		}
		if s.slot[i] < 0 {
			s.slot[i] = int32(len(s.cols))
			s.cols = append(s.cols, &strCol{mem: s.mem})
		}
		s.outIdx = append(s.outIdx, s.slot[i])
		s.lastKept = max(s.lastKept, i)
		fields = append(fields, arrow.Field{Name: s.header[i], Type: arrow.BinaryTypes.String})
	}
	s.schema = arrow.NewSchema(fields, nil)
	return nil
}

// Columns returns the header names in file order, trimmed of surrounding blanks and in
// Unicode NFC.
func (s *Source) Columns() []string {
	return append([]string(nil), s.header...)
}

// Stats reports the records handed out so far and, once the whole file has been read, the
// hex sha256 of its bytes.
func (s *Source) Stats() connectors.Stats {
	st := connectors.Stats{Records: s.records}
	if s.eof {
		st.SHA256 = s.sum
	}
	return st
}

// Next returns the next batch of at most BatchRows records, or io.EOF after the last. The
// Record holds the Keep columns as strings; Rows[i] is the physical line where record i
// starts. A malformed record fails with a *connectors.ParseError citing that line and,
// where known, the field: by name when it is a kept column (the config named it), else by
// 1-based position only. The source then stays failed.
func (s *Source) Next(ctx context.Context) (connectors.Batch, error) {
	switch {
	case s.closed:
		return connectors.Batch{}, ErrClosed
	case s.err != nil:
		return connectors.Batch{}, s.err
	case s.finished:
		return connectors.Batch{}, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return connectors.Batch{}, err
	}
	for _, c := range s.cols {
		c.start(s.batchRows)
	}
	s.rows = make([]int64, 0, min(s.batchRows, max(initialRowsHint, s.lastRows)))
	s.n, s.batchBytes = 0, 0
	if err := s.fill(ctx); err != nil {
		s.releaseBatch()
		s.err = err
		return connectors.Batch{}, err
	}
	if s.n == 0 {
		s.releaseBatch()
		return connectors.Batch{}, io.EOF
	}
	arrs := make([]arrow.Array, len(s.cols))
	for k, c := range s.cols {
		arrs[k] = c.finish(s.n)
	}
	out := make([]arrow.Array, len(s.outIdx))
	for j, k := range s.outIdx {
		out[j] = arrs[k]
	}
	rec := array.NewRecord(s.schema, out, int64(s.n))
	for _, a := range arrs {
		a.Release()
	}
	s.records += int64(s.n)
	s.lastRows = s.n
	rows := s.rows
	s.rows = nil
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

func (s *Source) releaseBatch() {
	for _, c := range s.cols {
		c.release()
	}
	s.rows = nil
}

// Close stops reading and frees the buffers of an unfinished batch. Batches already handed
// out stay valid. It is safe to call more than once; later calls return nil.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.rd.signal()
	err := s.file.Close()
	s.rd.wait()
	s.releaseBatch()
	s.cur, s.buf, s.spill, s.scratch = nil, nil, nil, nil
	return err
}

// fill parses records into the batch until it is full or the file ends.
func (s *Source) fill(ctx context.Context) error {
	for s.n < s.batchRows && s.batchBytes < maxBatchBytes {
		rec := s.buf[s.pos:]
		nl := bytes.IndexByte(rec, '\n')
		line, adv := rec, len(rec)
		switch {
		case nl >= 0:
			line, adv = rec[:nl], nl+1
		case !s.eof:
			if err := s.more(ctx); err != nil {
				return err
			}
			continue
		case len(rec) == 0:
			s.finished = true
			return nil
		}
		if bytes.IndexByte(line, '"') < 0 {
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			if len(line) > 0 {
				if err := s.simpleRecord(line, s.line, s.spanChecked()); err != nil {
					return err
				}
				s.rows = append(s.rows, s.line)
				s.n++
				s.batchBytes += adv
			}
			s.pos += adv
			s.line++
			continue
		}
		consumed, nls, err := s.record(rec, s.line)
		if err == errNeedMore {
			for _, c := range s.cols {
				c.truncate(s.n)
			}
			if err := s.more(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		s.rows = append(s.rows, s.line)
		s.n++
		s.batchBytes += consumed
		s.pos += consumed
		s.line += 1 + int64(nls)
	}
	return nil
}

// more brings the next chunk in behind the unparsed bytes buf[pos:]. At the end of the
// file it does nothing.
func (s *Source) more(ctx context.Context) error {
	if s.eof {
		return nil
	}
	left := s.buf[s.pos:]
	if len(left) > s.tu.maxRecord {
		return s.oversized(ctx)
	}
	var c chunk
	select {
	case c = <-s.rd.chunks:
	case <-ctx.Done():
		return ctx.Err()
	}
	if c.err != nil {
		return c.err
	}
	if c.eof {
		s.eof, s.sum = true, c.sum
	}
	h := s.tu.headroom
	if len(left) <= h {
		start := h - len(left)
		copy(c.buf[start:h], left)
		if s.cur != nil {
			s.rd.recycle(s.cur)
		}
		s.cur, s.buf = c.buf, c.buf[start:h+c.n]
	} else {
		// A record longer than the headroom grows in the spill buffer; the bytes already
		// there are moved only when parsing has advanced past some of them.
		if s.cur == nil {
			if s.pos > 0 {
				s.spill = s.spill[:copy(s.spill, left)]
			}
		} else {
			s.spill = append(s.spill[:0], left...)
			s.rd.recycle(s.cur)
		}
		s.spill = append(s.spill, c.buf[h:h+c.n]...)
		s.rd.recycle(c.buf)
		s.cur, s.buf = nil, s.spill
	}
	s.pos, s.checked = 0, 0
	return nil
}

// spanChecked reports whether the line at buf[pos:] is known to be valid in the (decided)
// encoding. Checking everything up to the buffer's last line end at once costs less than
// checking line by line (one utf8.Valid call, or one walk over the high bytes of a single-byte
// charset). A line end is ASCII, so no UTF-8 sequence spans it. Only a span that fails is
// checked again line by line, to cite the record and column.
func (s *Source) spanChecked() bool {
	if s.enc == encUndecided {
		return false
	}
	if s.pos >= s.checked {
		end := bytes.LastIndexByte(s.buf, '\n') + 1
		if end <= s.pos {
			return false
		}
		s.checked, s.checkedOK = end, valid(s.enc, s.buf[s.pos:end])
	}
	return s.checkedOK
}

// oversized decides what is wrong with a record longer than maxRecord, reading on without
// keeping the bytes: an unterminated quote (the file ends inside quotes) or a record too
// large to buffer.
func (s *Source) oversized(ctx context.Context) error {
	row := s.line
	inQuote := false
	ended := func(b []byte) bool {
		for _, c := range b {
			switch {
			case c == '"':
				inQuote = !inQuote
			case c == '\n' && !inQuote:
				return true
			}
		}
		return false
	}
	done := ended(s.buf[s.pos:])
	for !done && !s.eof {
		var c chunk
		select {
		case c = <-s.rd.chunks:
		case <-ctx.Done():
			return ctx.Err()
		}
		if c.err != nil {
			return c.err
		}
		s.eof = c.eof
		done = ended(c.buf[s.tu.headroom : s.tu.headroom+c.n])
		s.rd.recycle(c.buf)
	}
	if !done && inQuote {
		return s.perr(row, -1, connectors.ErrQuote)
	}
	return s.perr(row, -1, connectors.ErrTooLarge)
}
