package csvsource

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// Markers in test inputs, removed before the bytes are written (like encoding/csv's
// reader_test): § starts each data record (its line is the expected Rows entry), ∑ marks the
// line an error must cite.
const (
	recMark = "§"
	errMark = "∑"
)

// marked strips the markers from in and returns the bytes with the lines they stood on.
func marked(in string) (data []byte, recLines []int64, errLine int64) {
	line := int64(1)
	for len(in) > 0 {
		switch {
		case strings.HasPrefix(in, recMark):
			recLines = append(recLines, line)
			in = in[len(recMark):]
		case strings.HasPrefix(in, errMark):
			errLine = line
			in = in[len(errMark):]
		default:
			if in[0] == '\n' {
				line++
			}
			data = append(data, in[0])
			in = in[1:]
		}
	}
	return data, recLines, errLine
}

// writeFile writes data to a new file in a test directory and returns its path.
func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// result is everything a source hands out, in a form tests compare.
type result struct {
	Header  []string
	Fields  []string // names of the Record's fields
	Values  [][]string
	Lines   []int64
	Records int64
	SHA256  string
	Err     error
}

// readAll opens path with opts and tuning and reads it to the end with a checked allocator,
// which must end at zero bytes whatever happened.
func readAll(t testing.TB, opts connectors.Options, tu tuning) result {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var r result
	s, err := open(opts, mem, tu)
	if err != nil {
		r.Err = err
		return r
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	r.Header = s.Columns()
	for {
		b, err := s.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.Err = err
			break
		}
		if int(b.Record.NumRows()) != len(b.Rows) {
			t.Errorf("batch has %d rows but %d row numbers", b.Record.NumRows(), len(b.Rows))
		}
		r.Fields = r.Fields[:0]
		for _, f := range b.Record.Schema().Fields() {
			r.Fields = append(r.Fields, f.Name)
		}
		for i := 0; i < int(b.Record.NumRows()); i++ {
			row := make([]string, b.Record.NumCols())
			for j := range row {
				row[j] = b.Record.Column(j).(*array.String).Value(i)
			}
			r.Values = append(r.Values, row)
		}
		r.Lines = append(r.Lines, b.Rows...)
		b.Record.Release()
	}
	st := s.Stats()
	r.Records, r.SHA256 = st.Records, st.SHA256
	return r
}

// parseErr returns err as a *connectors.ParseError, failing the test when it is not one.
func parseErr(t *testing.T, err error) *connectors.ParseError {
	t.Helper()
	var pe *connectors.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *connectors.ParseError", err, err)
	}
	return pe
}
