package xlsxsource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// DefaultBatchRows is the batch size used when Options.BatchRows is 0.
const DefaultBatchRows = 65536

// maxColumns is the widest sheet Excel allows (XFD).
const maxColumns = 16384

// Source reads one sheet of a workbook. It implements connectors.Source; Open creates it.
type Source struct {
	mem     memory.Allocator
	path    string
	wb      *workbook
	dec     *xml.Decoder
	cols    []string
	width   int         // header width: the last named column
	keepAt  map[int]int // 1-based sheet column → position in the record
	keep    []string
	batch   int
	sum     string
	records int64
	row     int64 // sheet row number of the row being read
	lastRow int64
	cells   []cell // the current row's kept cells, by record position
	done    bool
	err     error
	closed  bool
}

// cell is one kept cell of the row being read.
type cell struct {
	set bool
	val string
}

var _ connectors.Source = (*Source)(nil)

// Open opens the workbook at opts.Path, selects opts.Sheet (empty: the first sheet) and reads
// its header. It fails with *connectors.ParseError wrapping connectors.ErrTooLarge (see
// MaxUnzippedBytes), ErrMalformed, ErrNoSheet, connectors.ErrEmpty (no non-empty row),
// connectors.ErrHeader (an empty or repeated name) or connectors.ErrUnknownField (a kept
// column the header lacks), or with an I/O error. Only Path, Sheet, Keep and BatchRows are
// used. Batches are built with memory.DefaultAllocator.
func Open(opts connectors.Options) (*Source, error) {
	return OpenWithAllocator(opts, memory.DefaultAllocator)
}

// OpenWithAllocator is Open with every batch's buffers taken from mem.
func OpenWithAllocator(opts connectors.Options, mem memory.Allocator) (*Source, error) {
	s := &Source{mem: mem, path: opts.Path, batch: opts.BatchRows, keepAt: map[int]int{}}
	if s.batch <= 0 {
		s.batch = DefaultBatchRows
	}
	f, err := os.Open(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("open xlsx source: %w", err)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read xlsx source: %w", err)
	}
	s.sum = hex.EncodeToString(h.Sum(nil))
	if size == 0 {
		f.Close()
		return nil, s.perr(0, 0, connectors.ErrEmpty)
	}
	err = checkSize(f, size)
	f.Close()
	if err != nil {
		return nil, s.perr(0, 0, err)
	}
	if s.wb, err = openWorkbook(opts.Path, opts.Sheet); err != nil {
		return nil, s.perr(0, 0, err)
	}
	s.dec = xml.NewDecoder(bytes.NewReader(s.wb.sheetXML))
	if err := s.readHeader(); err != nil {
		return nil, err
	}
	byName := make(map[string]int, len(s.cols))
	for i, c := range s.cols {
		byName[c] = i + 1
	}
	for i, k := range opts.Keep {
		at, ok := byName[k]
		if !ok {
			return nil, &connectors.ParseError{File: s.path, Column: k, Err: connectors.ErrUnknownField}
		}
		if _, dup := s.keepAt[at]; dup {
			return nil, fmt.Errorf("xlsx source: column %q kept twice", k)
		}
		s.keepAt[at] = i
	}
	s.keep = append([]string(nil), opts.Keep...)
	s.cells = make([]cell, len(s.keep))
	return s, nil
}

func (s *Source) perr(row int64, index int, err error) error {
	return &connectors.ParseError{File: s.path, Row: row, Index: index, Err: err}
}

// cellErr reports a malformed cell of the current row. A kept column is cited by name (the
// config named it, so the name is safe to print); any other by position only, as a header
// "name" could be a value of a headerless sheet.
func (s *Source) cellErr(col int, err error) error {
	if _, kept := s.keepAt[col]; kept {
		return &connectors.ParseError{File: s.path, Row: s.row, Column: s.cols[col-1], Err: err}
	}
	return s.perr(s.row, col, err)
}

// readHeader reads up to the first row with a non-empty cell and takes its names.
func (s *Source) readHeader() error {
	for {
		var names map[int]string
		ok, err := s.nextRow(func(col int) bool { return true }, func(col int, v string) {
			if v != "" {
				if names == nil {
					names = map[int]string{}
				}
				names[col] = v
			}
		})
		if err != nil {
			return err
		}
		if !ok {
			return s.perr(0, 0, connectors.ErrEmpty)
		}
		if names == nil {
			continue
		}
		for c := range names {
			s.width = max(s.width, c)
		}
		seen := map[string]bool{}
		for c := 1; c <= s.width; c++ {
			n, ok := names[c]
			if !ok || seen[n] {
				return &connectors.ParseError{File: s.path, Row: s.row, Index: c, Err: connectors.ErrHeader}
			}
			seen[n] = true
			s.cols = append(s.cols, n)
		}
		return nil
	}
}

// nextRow walks to the end of the next <row> and calls set for each non-empty cell whose
// 1-based column want accepts (values of other columns are never built). It returns false
// at the end of the sheet data. Cells beyond maxColumns and malformed XML are errors.
func (s *Source) nextRow(want func(col int) bool, set func(col int, v string)) (bool, error) {
	for {
		tok, err := s.dec.RawToken()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, s.perr(s.row, 0, ErrMalformed)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				s.row = s.lastRow + 1
				if r := attr(t, "r"); r != "" {
					n, err := strconv.ParseInt(r, 10, 64)
					if err != nil || n < 1 {
						return false, s.perr(s.lastRow+1, 0, ErrMalformed)
					}
					s.row = n
				}
				s.lastRow = s.row
				return true, s.readCells(want, set)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return false, nil
			}
		}
	}
}

// readCells reads the cells of the current row up to </row>.
func (s *Source) readCells(want func(col int) bool, set func(col int, v string)) error {
	col := 0
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			return s.perr(s.row, 0, ErrMalformed)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			if ref := attr(t, "r"); ref != "" {
				c, ok := columnOf(ref)
				if !ok {
					return s.perr(s.row, col, ErrMalformed)
				}
				col = c
			}
			if col > maxColumns {
				return s.perr(s.row, 0, ErrMalformed)
			}
			v, nonEmpty, err := s.readCell(t, want(col))
			if err != nil {
				return s.cellErr(col, err)
			}
			if nonEmpty {
				set(col, v)
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return nil
			}
		}
	}
}

// readCell reads one <c> element. When build is false only whether the cell holds a
// non-empty value is found out; its text is never assembled.
func (s *Source) readCell(c xml.StartElement, build bool) (string, bool, error) {
	typ := attr(c, "t")
	style := 0
	if st := attr(c, "s"); st != "" {
		n, err := strconv.Atoi(st)
		if err != nil || n < 0 {
			return "", false, ErrMalformed
		}
		style = n
	}
	var (
		v, is    []byte // <v> text, <is> text
		where    string // element whose text is being collected
		inRPh    bool
		nonEmpty bool
	)
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			return "", false, ErrMalformed
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				where = "v"
			case "t":
				if !inRPh {
					where = "t"
				}
			case "rPh":
				inRPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				if !nonEmpty {
					return "", false, nil
				}
				if !build {
					return "", true, nil
				}
				out, err := s.value(typ, style, v, is)
				return out, out != "", err
			case "rPh":
				inRPh = false
			case "v", "t":
				where = ""
			}
		case xml.CharData:
			if where == "" || len(t) == 0 {
				continue
			}
			if where == "v" && typ == "inlineStr" {
				continue
			}
			nonEmpty = true
			if !build {
				continue
			}
			if where == "v" {
				v = append(v, t...)
			} else if typ == "inlineStr" {
				is = append(is, t...)
			}
		}
	}
}

// value renders one cell's content as the package documentation describes.
func (s *Source) value(typ string, style int, v, is []byte) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || i < 0 || i >= len(s.wb.strings) {
			return "", ErrMalformed
		}
		return s.wb.strings[i], nil
	case "inlineStr":
		return unescapeOOXML(string(is)), nil
	case "str", "e":
		return unescapeOOXML(string(v)), nil
	case "b":
		// Lower case, as booleans of Parquet and PostgreSQL read: a series keeps its labels
		// when the register moves from an Excel export to another source.
		if string(bytes.TrimSpace(v)) == "1" {
			return "true", nil
		}
		return "false", nil
	case "d":
		return isoDatePart(string(v)), nil
	case "", "n":
		text := string(v)
		if style < len(s.wb.dateXf) && s.wb.dateXf[style] {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return "", ErrMalformed
			}
			if d, ok := serialDate(f, s.wb.date1904); ok {
				return d, nil
			}
		}
		out, ok := formatNumber(text)
		if !ok {
			return "", ErrMalformed
		}
		return out, nil
	}
	return "", ErrMalformed
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// columnOf returns the 1-based column of a cell reference such as "AB12".
func columnOf(ref string) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumns {
			return 0, false
		}
	}
	return col, i > 0
}

// Columns returns the header's names in sheet order.
func (s *Source) Columns() []string { return append([]string(nil), s.cols...) }

// Stats reports the data rows read so far (empty rows are not counted); SHA256 is set once
// the last row has been read.
func (s *Source) Stats() connectors.Stats {
	st := connectors.Stats{Records: s.records}
	if s.done {
		st.SHA256 = s.sum
	}
	return st
}

// Next returns the next batch of at most Options.BatchRows non-empty data rows with the kept
// columns as strings, or io.EOF after the last. Errors are *connectors.ParseError citing the
// sheet row and the column (a kept column by name, any other by position); after an error
// Next keeps returning it.
func (s *Source) Next(ctx context.Context) (connectors.Batch, error) {
	switch {
	case s.err != nil:
		return connectors.Batch{}, s.err
	case s.closed:
		return connectors.Batch{}, errors.New("xlsx source: closed")
	case s.done:
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
	var overflow int
	want := func(col int) bool { _, ok := s.keepAt[col]; return ok }
	set := func(col int, v string) {
		if i, ok := s.keepAt[col]; ok {
			s.cells[i] = cell{true, v}
		}
		if col > s.width && overflow == 0 {
			overflow = col
		}
	}
	for len(rows) < s.batch {
		clear(s.cells)
		overflow = 0
		nonEmpty := false
		ok, err := s.nextRow(want, func(col int, v string) { nonEmpty = true; set(col, v) })
		if err != nil {
			s.err = err
			return connectors.Batch{}, err
		}
		if !ok {
			s.done = true
			break
		}
		if overflow > 0 {
			s.err = s.perr(s.row, overflow, connectors.ErrFieldCount)
			return connectors.Batch{}, s.err
		}
		if !nonEmpty {
			continue
		}
		for i, b := range builders {
			b.Append(s.cells[i].val)
		}
		rows = append(rows, s.row)
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

// Close drops the workbook's bytes. It is safe to call more than once.
func (s *Source) Close() error {
	s.closed = true
	s.wb, s.dec = nil, nil
	return nil
}
