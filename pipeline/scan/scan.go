package scan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/parquetsink"
)

// Finding is one cell (or column name) holding personal data. It has no field for the value
// on purpose.
type Finding struct {
	File string // the path as given, or as found when walking a directory
	// Sheet is set only for a workbook with several sheets: the sheet's name, or "sheet N"
	// when the name itself looks like personal data.
	Sheet string
	// Row is SPEC.md's row number: CSV the physical line where the record starts (the header
	// is line 1), XLSX the sheet row, Parquet and JSONL the 1-based record. A Parquet column
	// name that looks like personal data is reported at row 0 (the schema).
	Row int64
	// Column is the column name (CSV header, XLSX header cell, Parquet column path, JSON key
	// path joined with "."), or "column N" (1-based) when the name is empty or itself looks
	// like personal data; in a JSON path such a key is "(key N)", its position in its object.
	Column string
	Kind   pii.Kind
}

// String formats f as `scan` prints it: FILE:ROW:COLUMN: KIND, with the sheet in brackets
// after the file when it is set. Control characters in names are replaced by "?" so that
// one finding stays one line.
func (f Finding) String() string {
	file := f.File
	if f.Sheet != "" {
		file += "[" + f.Sheet + "]"
	}
	return printable(file) + ":" + strconv.FormatInt(f.Row, 10) + ":" + printable(f.Column) + ": " + string(f.Kind)
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// Sentinel errors. Files returns errors wrapping ErrUnreadable; ErrFindings is for callers
// (`statexport scan`) to report that findings exist.
var (
	ErrFindings    = errors.New("personal data found")
	ErrUnreadable  = errors.New("unreadable")
	ErrUnsupported = errors.New("unsupported file type (want .parquet, .csv, .tsv, .txt, .jsonl, .ndjson or .xlsx)")
)

// FileError reports a file that could not be scanned. Err never quotes a value.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string {
	msg := e.Err.Error()
	if strings.Contains(msg, e.File) {
		return "unreadable: " + msg
	}
	return e.File + ": unreadable: " + msg
}

// Unwrap returns ErrUnreadable and the cause, so errors.Is matches either.
func (e *FileError) Unwrap() []error { return []error{ErrUnreadable, e.Err} }

// unreadable wraps err for file, removing a column name that looks like personal data from
// a connector's ParseError (it is cited by position instead).
func unreadable(file string, err error) error {
	var pe *connectors.ParseError
	if errors.As(err, &pe) && pe.Column != "" && pii.LooksPersonal(pe.Column) {
		safe := *pe
		safe.Column = ""
		err = &safe
	}
	return &FileError{File: file, Err: err}
}

// Supported reports whether Files scans a file with this name (by extension, any case).
func Supported(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".parquet", ".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".xlsx":
		return true
	}
	return false
}

// Files scans each path and calls emit for every finding, file by file, row by row, column
// by column. A directory is walked recursively for the Supported extensions (other files
// are ignored; symbolic links to directories are not followed); a file named explicitly must
// have a supported extension. Files goes on past a file it cannot read and returns, at the
// end, the errors of all such files joined (each a *FileError wrapping ErrUnreadable and
// naming the file), or ctx's error when ctx is done.
func Files(ctx context.Context, paths []string, emit func(Finding)) error {
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, unreadable(p, err))
			continue
		}
		if !st.IsDir() {
			if err := File(ctx, p, emit); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				errs = append(errs, err)
			}
			continue
		}
		werr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, unreadable(path, err))
				return nil
			}
			if d.IsDir() || !Supported(path) || !d.Type().IsRegular() {
				return nil
			}
			if err := File(ctx, path, emit); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				errs = append(errs, err)
			}
			return nil
		})
		if werr != nil {
			return werr
		}
	}
	return errors.Join(errs...)
}

// File scans one file, choosing the reader by its extension (see Supported). Errors are
// *FileError.
func File(ctx context.Context, path string, emit func(Finding)) error {
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		err = scanParquet(ctx, path, emit)
	case ".csv", ".tsv", ".txt":
		err = scanCSV(ctx, path, emit)
	case ".jsonl", ".ndjson":
		err = scanJSONL(ctx, path, emit)
	case ".xlsx":
		err = scanXLSX(ctx, path, emit)
	default:
		err = ErrUnsupported
	}
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return unreadable(path, err)
	}
	return nil
}

// Table scans an in-memory table, as the run's pre-publication scan does with its staged
// tables: column names (reported at row 0) and every string, int64 and float64 cell (numbers
// as their shortest decimal text). file names the table in findings; rows are 1-based.
// skip, if not nil, exempts cells, such as values the job config itself lists.
func Table(file string, t parquetsink.Table, skip func(column, value string) bool, emit func(Finding)) {
	names := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		names[j] = c.Name
	}
	labels := columnLabels(names)
	for j, name := range names {
		detect(name, func(k pii.Kind) { emit(Finding{File: file, Row: 0, Column: labels[j], Kind: k}) })
	}
	for i, row := range t.Rows {
		for j, v := range row {
			if j >= len(t.Columns) {
				break
			}
			s, ok := text(v)
			if !ok || (skip != nil && skip(t.Columns[j].Name, s)) {
				continue
			}
			detect(s, func(k pii.Kind) { emit(Finding{File: file, Row: int64(i + 1), Column: labels[j], Kind: k}) })
		}
	}
}

// detect calls found for each kind of personal data in s.
func detect(s string, found func(pii.Kind)) {
	if s == "" {
		return
	}
	for _, k := range pii.Detect(s) {
		found(k)
	}
}

// text returns the text a cell value is scanned as; false for null and booleans.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// columnLabels returns how findings cite each column: its name, or "column N" when the name
// is empty or looks like personal data.
func columnLabels(names []string) []string {
	labels := make([]string, len(names))
	for j, name := range names {
		labels[j] = columnLabel(name, j)
	}
	return labels
}

func columnLabel(name string, j int) string {
	if strings.TrimSpace(name) == "" || pii.LooksPersonal(name) {
		return fmt.Sprintf("column %d", j+1)
	}
	return name
}
