package open

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/testregister"
)

func TestSource(t *testing.T) {
	dir := t.TempDir()
	cols := []testregister.Column{{Name: "hetu"}, {Name: "maksu", Kind: testregister.Number}}
	rows := testregister.Rows(func(emit func([]any) error) error { return emit([]any{"150315A9011", 12.5}) })
	write := func(name string, fn func(p string) error) string {
		p := filepath.Join(dir, name)
		if err := fn(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csvPath := write("r.csv", func(p string) error { return os.WriteFile(p, []byte("hetu;maksu\n150315A9011;12,5\n"), 0o600) })
	xlsxPath := write("r.xlsx", func(p string) error { return testregister.WriteXLSX(p, "", cols, rows) })
	pqPath := write("r.parquet", func(p string) error { return testregister.WriteParquet(p, cols, rows, 0) })
	jsonlPath := write("r.jsonl", func(p string) error {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return testregister.WriteJSONL(f, cols, rows)
	})
	tests := []struct {
		typ  string
		opts connectors.Options
		err  error
	}{
		{"csv", connectors.Options{Path: csvPath}, nil},
		{"xlsx", connectors.Options{Path: xlsxPath}, nil},
		{"parquet", connectors.Options{Path: pqPath}, nil},
		{"jsonl", connectors.Options{Path: jsonlPath}, nil},
		{"postgres", connectors.Options{Table: "t"}, errAny}, // no DSN: refused before connecting
		{"csv", connectors.Options{Path: filepath.Join(dir, "missing.csv")}, os.ErrNotExist},
		{"xml", connectors.Options{Path: csvPath}, connectors.ErrUnsupported},
		{"", connectors.Options{}, connectors.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			src, err := Source(tc.typ, tc.opts)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("Source: %v", err)
				}
				defer src.Close()
				if got := src.Columns(); !reflect.DeepEqual(got, []string{"hetu", "maksu"}) {
					t.Errorf("Columns() = %q", got)
				}
				return
			}
			if err == nil || (tc.err != errAny && !errors.Is(err, tc.err)) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if src != nil {
				t.Errorf("a failed Source returned a non-nil %T", src)
			}
		})
	}
}

// errAny stands for "some error".
var errAny = errors.New("any error")

func TestTypes(t *testing.T) {
	if want := []string{"csv", "xlsx", "parquet", "jsonl", "postgres"}; !reflect.DeepEqual(Types, want) {
		t.Errorf("Types = %q, want %q", Types, want)
	}
}
