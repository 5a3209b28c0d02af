package jsonlsource_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/jsonlsource"
	"github.com/statexport/statexport/connectors/sourcetest"
	"github.com/statexport/statexport/connectors/testregister"
)

// TestConformance runs the shared source suite twice: every value as a JSON string (empty
// values as ""), and typed as a vendor would write it (measures as JSON numbers, empty values
// as absent keys).
func TestConformance(t *testing.T) {
	variants := []struct {
		name  string
		kinds map[string]testregister.Kind
	}{
		{"strings", nil},
		{"numbers and absent keys", map[string]testregister.Kind{sourcetest.ColFee: testregister.Number, sourcetest.ColHours: testregister.Number}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				Write: func(t *testing.T, dir string, table sourcetest.Table) connectors.Options {
					p := filepath.Join(dir, "register.jsonl")
					if v.kinds == nil {
						writeFile(t, p, stringsJSONL(table))
					} else {
						f, err := os.Create(p)
						if err != nil {
							t.Fatal(err)
						}
						cols, rows := testregister.FromText(table.Columns, table.Rows, v.kinds)
						if err := testregister.WriteJSONL(f, cols, rows); err != nil {
							t.Fatal(err)
						}
						f.Close()
					}
					return connectors.Options{Path: p}
				},
				Open: func(o connectors.Options) (connectors.Source, error) {
					s, err := jsonlsource.Open(o)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				OpenWithAllocator: func(o connectors.Options, mem memory.Allocator) (connectors.Source, error) {
					s, err := jsonlsource.OpenWithAllocator(o, mem)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				RowNumber: func(_ sourcetest.Table, i int) int64 { return int64(i + 1) },
				Normalize: func(col, val string) string { return testregister.Canonical(v.kinds[col], val) },
				Broken:    broken,
			})
		})
	}
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// stringsJSONL writes every value as a JSON string, keys in header order.
func stringsJSONL(t sourcetest.Table) string {
	var b strings.Builder
	for _, r := range t.Rows {
		b.WriteByte('{')
		for i, v := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(t.Columns[i]) + ":" + quote(v))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// reg is the suite's small register as JSON Lines, the base of the broken inputs.
func reg() (sourcetest.Table, []string) {
	t := sourcetest.Register()
	return t, strings.SplitAfter(strings.TrimSuffix(stringsJSONL(t), "\n"), "\n")
}

func brokenAt(line int, replace func(string) string, secrets ...string) func(t *testing.T, dir string) (connectors.Options, []string) {
	return func(t *testing.T, dir string) (connectors.Options, []string) {
		_, lines := reg()
		lines[line-1] = replace(lines[line-1])
		p := filepath.Join(dir, "broken.jsonl")
		writeFile(t, p, strings.Join(lines, ""))
		return connectors.Options{Path: p}, secrets
	}
}

var broken = []sourcetest.Broken{
	{Name: "nested object", Err: connectors.ErrNested, Row: 3, Column: sourcetest.ColUnit,
		Write: brokenAt(3, func(l string) string {
			return strings.Replace(l, `"`+sourcetest.ColUnit+`":`, `"`+sourcetest.ColUnit+`":{"nimi":"Salainen Yksikkö"},"x":`, 1)
		}, "Salainen Yksikkö")},
	{Name: "array value", Err: connectors.ErrNested, Row: 2, Column: sourcetest.ColNotes,
		Write: brokenAt(2, func(l string) string {
			return strings.Replace(l, `"`+sourcetest.ColNotes+`":`, `"`+sourcetest.ColNotes+`":["Salaisuus"],"y":`, 1)
		}, "Salaisuus")},
	{Name: "invalid JSON", Err: jsonlsource.ErrSyntax, Row: 4,
		Write: brokenAt(4, func(l string) string { return strings.Replace(l, `":"`, `":Salaisuus"`, 1) }, "Salaisuus")},
	{Name: "truncated line", Err: jsonlsource.ErrSyntax, Row: 5,
		Write: brokenAt(5, func(l string) string { return l[:len(l)/2] + "\n" })},
	{Name: "not an object", Err: jsonlsource.ErrNotObject, Row: 6,
		Write: brokenAt(6, func(string) string { return `["Salaisuus","Toinen salaisuus"]` + "\n" }, "Salaisuus", "Toinen salaisuus")},
	{Name: "invalid UTF-8", Err: connectors.ErrEncoding, Row: 2,
		Write: brokenAt(2, func(l string) string { return strings.Replace(l, "ö", "\xf6", 1) })},
	{Name: "blank line between records", Err: jsonlsource.ErrBlankLine, Row: 3,
		Write: brokenAt(3, func(l string) string { return "\n" + l })},
	{Name: "repeated key", Err: jsonlsource.ErrDuplicateKey, Row: 1, Column: sourcetest.ColPersonID,
		Write: brokenAt(1, func(l string) string { return strings.Replace(l, "{", `{"`+sourcetest.ColPersonID+`":"Salaisuus",`, 1) }, "Salaisuus")},
	{Name: "empty file", Err: connectors.ErrEmpty,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			p := filepath.Join(dir, "empty.jsonl")
			writeFile(t, p, "")
			return connectors.Options{Path: p}, nil
		}},
}
