package scan

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/csvsource"
	"github.com/statexport/statexport/connectors/parquetsink"
)

// MaxXLSXBytes bounds the uncompressed size of a workbook `scan` reads. The whole workbook
// is held in memory (excelize is told never to spill worksheets to temporary files, which
// could leave personal data on disk), so a larger one fails with connectors.ErrTooLarge.
const MaxXLSXBytes = 1 << 30

// MaxJSONLLineBytes bounds one JSON Lines record; a longer line fails with
// connectors.ErrTooLarge.
const MaxJSONLLineBytes = 64 << 20

func scanParquet(ctx context.Context, path string, emit func(Finding)) error {
	r, err := parquetsink.Open(path)
	if err != nil {
		return unreadable(path, err)
	}
	defer r.Close()
	cols := r.Columns()
	names := make([]string, len(cols))
	for j, c := range cols {
		names[j] = c.Name
	}
	labels := columnLabels(names)
	for j, name := range names {
		detect(name, func(k pii.Kind) { emit(Finding{File: path, Row: 0, Column: labels[j], Kind: k}) })
	}
	for row := int64(1); ; row++ {
		if row%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		vals, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return unreadable(path, err)
		}
		for j, v := range vals {
			if s, ok := text(v); ok {
				detect(s, func(k pii.Kind) { emit(Finding{File: path, Row: row, Column: labels[j], Kind: k}) })
			}
		}
	}
}

func scanCSV(ctx context.Context, path string, emit func(Finding)) error {
	opts := connectors.Options{Path: path, Encoding: "auto", Delimiter: "auto"}
	// Open once to learn the header, then again keeping every column.
	head, err := csvsource.Open(opts)
	if errors.Is(err, connectors.ErrHeader) {
		// An empty or repeated "header" name: most likely a headerless extract whose first
		// record has empty or equal fields. Scan it anyway, every column by position.
		return scanHeaderless(ctx, path, emit)
	}
	if err != nil {
		return unreadable(path, err)
	}
	names := head.Columns()
	head.Close()
	labels := columnLabels(names)
	for j, name := range names {
		detect(name, func(k pii.Kind) { emit(Finding{File: path, Row: 1, Column: labels[j], Kind: k}) })
	}
	opts.Keep = names
	src, err := csvsource.Open(opts)
	if err != nil {
		return unreadable(path, err)
	}
	defer src.Close()
	for {
		b, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return unreadable(path, err)
		}
		cols := make([]*array.String, len(names))
		for j := range names {
			cols[j], _ = b.Record.Column(j).(*array.String)
		}
		for i, row := range b.Rows {
			for j, col := range cols {
				if col == nil || col.IsNull(i) {
					continue
				}
				detect(col.Value(i), func(k pii.Kind) { emit(Finding{File: path, Row: row, Column: labels[j], Kind: k}) })
			}
		}
		b.Record.Release()
	}
}

// scanHeaderless scans a delimited file whose first line is not a usable header, with
// encoding/csv: lenient quotes, any number of fields, every line a record, every column cited
// by position. The encoding is UTF-8 when the first 64 KiB are valid UTF-8 (or start with a
// BOM), Windows-1252 otherwise; the delimiter is the most frequent of ; , tab | on the first
// line.
func scanHeaderless(ctx context.Context, path string, emit func(Finding)) error {
	f, err := os.Open(path)
	if err != nil {
		return unreadable(path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	peek, _ := br.Peek(1 << 16)
	var in io.Reader = br
	if bytes.HasPrefix(peek, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	} else if !validUTF8Prefix(peek) {
		in = charmap.Windows1252.NewDecoder().Reader(br)
	}
	first, _, _ := bytes.Cut(peek, []byte("\n"))
	delim, best := ',', 0
	for _, d := range []rune{';', ',', '\t', '|'} {
		if n := bytes.Count(first, []byte(string(d))); n > best {
			delim, best = d, n
		}
	}
	r := csv.NewReader(in)
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// csv.ParseError names the line and column, never the field's text.
			return unreadable(path, err)
		}
		line, _ := r.FieldPos(0)
		for j, v := range rec {
			detect(v, func(k pii.Kind) {
				emit(Finding{File: path, Row: int64(line), Column: fmt.Sprintf("column %d", j+1), Kind: k})
			})
		}
	}
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut at its end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// Errors of the JSON Lines reader; encoding/json's own messages quote input characters.
var (
	errJSONSyntax = errors.New("invalid JSON")
)

func scanJSONL(ctx context.Context, path string, emit func(Finding)) error {
	f, err := os.Open(path)
	if err != nil {
		return unreadable(path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var record int64
	for line := int64(1); ; line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := readLine(br)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return unreadable(path, &connectors.ParseError{File: path, Row: line, Err: err})
		}
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		record++
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		rec := record
		err = walkJSON(dec, "", func(column string, s string) {
			detect(s, func(k pii.Kind) { emit(Finding{File: path, Row: rec, Column: column, Kind: k}) })
		})
		if err == nil {
			if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
				err = errJSONSyntax // trailing data after the value
			}
		}
		if err != nil {
			return unreadable(path, &connectors.ParseError{File: path, Row: rec, Err: errJSONSyntax})
		}
	}
}

// readLine reads one line without its line end, up to MaxJSONLLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxJSONLLineBytes {
			return nil, connectors.ErrTooLarge
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		return line, err
	}
}

// walkJSON reads one JSON value from dec and calls found with the path and text of every
// string and number in it. Object keys are scanned too (a key is data in some exports):
// a key that looks like personal data is reported at its own path and named "(key N)".
func walkJSON(dec *json.Decoder, path string, found func(column, s string)) error {
	tok, err := dec.Token()
	if err != nil {
		return errJSONSyntax
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			for n := 1; dec.More(); n++ {
				kt, err := dec.Token()
				if err != nil {
					return errJSONSyntax
				}
				key, _ := kt.(string)
				label := key
				if pii.LooksPersonal(key) {
					label = fmt.Sprintf("(key %d)", n)
					found(joinPath(path, label), key)
				}
				if err := walkJSON(dec, joinPath(path, label), found); err != nil {
					return err
				}
			}
		case '[':
			for dec.More() {
				if err := walkJSON(dec, path, found); err != nil {
					return err
				}
			}
		default:
			return errJSONSyntax
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return errJSONSyntax
		}
	case string:
		found(columnOrRoot(path), t)
	case json.Number:
		found(columnOrRoot(path), t.String())
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// columnOrRoot names a value outside any object ("$", as in JSONPath).
func columnOrRoot(path string) string {
	if path == "" {
		return "$"
	}
	return path
}

// xlsxSize returns the uncompressed size of the zip archive at path.
func xlsxSize(path string) (uint64, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return 0, fmt.Errorf("not an xlsx workbook: %w", err)
	}
	defer z.Close()
	var n uint64
	for _, f := range z.File {
		n += f.UncompressedSize64
	}
	return n, nil
}

func scanXLSX(ctx context.Context, path string, emit func(Finding)) error {
	size, err := xlsxSize(path)
	if err != nil {
		return unreadable(path, err)
	}
	if size > MaxXLSXBytes {
		return unreadable(path, fmt.Errorf("%w: over %d bytes uncompressed", connectors.ErrTooLarge, MaxXLSXBytes))
	}
	// Equal limits: no worksheet or shared-string table is ever extracted to a temporary file.
	wb, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: MaxXLSXBytes, UnzipXMLSizeLimit: MaxXLSXBytes})
	if err != nil {
		return unreadable(path, errors.New("not a readable xlsx workbook"))
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	for s, name := range sheets {
		sheet := ""
		if len(sheets) > 1 {
			sheet = name
			if pii.LooksPersonal(name) {
				sheet = fmt.Sprintf("sheet %d", s+1)
			}
		}
		if err := scanSheet(ctx, wb, name, path, sheet, emit); err != nil {
			return err
		}
	}
	return nil
}

func scanSheet(ctx context.Context, wb *excelize.File, name, path, sheet string, emit func(Finding)) error {
	cite := "sheet " + fmt.Sprint(sheetIndex(wb, name))
	rows, err := wb.Rows(name)
	if err != nil {
		return unreadable(path, fmt.Errorf("%s: %w", cite, errors.New("unreadable worksheet")))
	}
	defer rows.Close()
	var labels []string // nil until the header row (the first non-empty row) is seen
	for row := int64(1); rows.Next(); row++ {
		if row%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		cells, err := rows.Columns()
		if err != nil {
			return unreadable(path, &connectors.ParseError{File: path, Row: row, Err: errors.New(cite + ": unreadable row")})
		}
		if labels == nil {
			if !anyNonEmpty(cells) {
				continue
			}
			labels = make([]string, len(cells))
			for j, h := range cells {
				labels[j] = columnLabel(h, j)
				detect(h, func(k pii.Kind) { emit(Finding{File: path, Sheet: sheet, Row: row, Column: labels[j], Kind: k}) })
			}
			continue
		}
		for j, v := range cells {
			label := fmt.Sprintf("column %d", j+1)
			if j < len(labels) {
				label = labels[j]
			}
			detect(v, func(k pii.Kind) { emit(Finding{File: path, Sheet: sheet, Row: row, Column: label, Kind: k}) })
		}
	}
	if err := rows.Error(); err != nil {
		return unreadable(path, fmt.Errorf("%s: %w", cite, errors.New("unreadable worksheet")))
	}
	return nil
}

func sheetIndex(wb *excelize.File, name string) int {
	for i, n := range wb.GetSheetList() {
		if n == name {
			return i + 1
		}
	}
	return 0
}

func anyNonEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return true
		}
	}
	return false
}
