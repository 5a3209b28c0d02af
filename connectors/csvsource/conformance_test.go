package csvsource

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"golang.org/x/text/encoding/charmap"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/sourcetest"
)

// dialect is one way vendors write CSV; the conformance suite runs once per dialect.
type dialect struct {
	name      string
	delim     string
	crlf      bool
	bom       bool
	charset   *charmap.Charmap // nil: UTF-8
	encoding  string           // Options.Encoding ("" = auto)
	delimiter string           // Options.Delimiter ("" = auto)
}

var dialects = []dialect{
	{name: "UTF8BOMCommaLF", delim: ",", bom: true},
	{name: "Windows1252SemicolonCRLF", delim: ";", crlf: true, charset: charmap.Windows1252},
	{name: "ISO885915TabDeclared", delim: "\t", charset: charmap.ISO8859_15, encoding: "iso-8859-15", delimiter: `\t`},
	{name: "UTF8PipeDeclared", delim: "|", encoding: "utf-8", delimiter: "|"},
}

// encode writes table as CSV bytes in the dialect, quoting the fields that need it.
func (d dialect) encode(t testing.TB, columns []string, rows [][]string) []byte {
	t.Helper()
	var b strings.Builder
	eol := "\n"
	if d.crlf {
		eol = "\r\n"
	}
	line := func(fields []string) {
		for i, f := range fields {
			if i > 0 {
				b.WriteString(d.delim)
			}
			if strings.ContainsAny(f, d.delim+"\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteString(eol)
	}
	line(columns)
	for _, r := range rows {
		line(r)
	}
	out := []byte(b.String())
	if d.charset != nil {
		enc, err := d.charset.NewEncoder().Bytes(out)
		if err != nil {
			t.Fatalf("%s cannot encode the register: %v", d.name, err)
		}
		out = enc
	}
	if d.bom {
		out = append([]byte{0xEF, 0xBB, 0xBF}, out...)
	}
	return out
}

func (d dialect) write(t testing.TB, dir string, data []byte) connectors.Options {
	t.Helper()
	path := filepath.Join(dir, "register.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return connectors.Options{Path: path, Encoding: d.encoding, Delimiter: d.delimiter}
}

// broken returns a Broken case: a file of the register's header and first row, then the
// line tail (UTF-8 text put in the dialect's charset; raw bytes as they are when raw),
// failing with err at row. Every field of tail is a secret the error must not quote.
func (d dialect) broken(name string, tail string, raw bool, err error, row int64) sourcetest.Broken {
	return sourcetest.Broken{
		Name: name,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			reg := sourcetest.Register()
			data := d.encode(t, reg.Columns, reg.Rows[:1])
			if raw || d.charset == nil {
				data = append(data, tail...)
			} else {
				enc, err := d.charset.NewEncoder().String(tail)
				if err != nil {
					t.Fatal(err)
				}
				data = append(data, enc...)
			}
			var secrets []string
			for _, f := range strings.Split(tail, d.delim) {
				secrets = append(secrets, strings.Trim(f, "\"\r\n"))
			}
			return d.write(t, dir, data), secrets
		},
		Err: err,
		Row: row,
	}
}

// csvRowNumber returns the physical line where record i of table starts, header on line
// 1: a value with line breaks is quoted, and its breaks are physical lines.
func csvRowNumber(table sourcetest.Table, i int) int64 {
	line := int64(2)
	for _, r := range table.Rows[:i] {
		line++
		for _, v := range r {
			line += int64(strings.Count(v, "\n"))
		}
	}
	return line
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			sep := d.delim
			sourcetest.Run(t, sourcetest.Harness{
				Write: func(t *testing.T, dir string, table sourcetest.Table) connectors.Options {
					return d.write(t, dir, d.encode(t, table.Columns, table.Rows))
				},
				Open: func(opts connectors.Options) (connectors.Source, error) { return Open(opts) },
				OpenWithAllocator: func(opts connectors.Options, mem memory.Allocator) (connectors.Source, error) {
					return OpenWithAllocator(opts, mem)
				},
				RowNumber: csvRowNumber,
				Broken: []sourcetest.Broken{
					d.broken("UnterminatedQuote", "131052-308T"+sep+"\"Kesken jäänyt lainaus\n", false, connectors.ErrQuote, 3),
					d.broken("TooManyFields", strings.Repeat("Ylimääräinen kenttä"+sep, 10)+"viimeinen\n", false, connectors.ErrFieldCount, 3),
					d.broken("TooFewFields", "131052-308T"+sep+"Vajaa rivi", false, connectors.ErrFieldCount, 3),
					{
						Name: "DuplicateHeader",
						Write: func(t *testing.T, dir string) (connectors.Options, []string) {
							reg := sourcetest.Register()
							cols := append([]string{}, reg.Columns...)
							cols[4] = cols[1]
							return d.write(t, dir, d.encode(t, cols, reg.Rows)), nil
						},
						Err: connectors.ErrHeader,
						Row: 1,
					},
					{
						Name: "EmptyFile",
						Write: func(t *testing.T, dir string) (connectors.Options, []string) {
							return d.write(t, dir, nil), nil
						},
						Err: connectors.ErrEmpty,
					},
				},
			})
		})
	}
}

// TestConformanceEncodingErrors runs the suite's broken-input checks for bytes invalid in
// the declared or detected encoding.
func TestConformanceEncodingErrors(t *testing.T) {
	d := dialect{name: "UTF8Declared", delim: ";", encoding: "utf-8"}
	w := dialect{name: "Windows1252Declared", delim: ";", charset: charmap.Windows1252, encoding: "windows-1252"}
	a := dialect{name: "UTF8Detected", delim: ";"}
	sourcetest.Run(t, sourcetest.Harness{
		Write: func(t *testing.T, dir string, table sourcetest.Table) connectors.Options {
			return d.write(t, dir, d.encode(t, table.Columns, table.Rows))
		},
		Open:      func(opts connectors.Options) (connectors.Source, error) { return Open(opts) },
		RowNumber: csvRowNumber,
		Broken: []sourcetest.Broken{
			d.broken("Latin1InUTF8", "131052-308T;P\xe4iv\xe4koti Testi\n", true, connectors.ErrEncoding, 3),
			w.broken("UndefinedWindows1252", "131052-308T;Testi\x81arvo\n", true, connectors.ErrEncoding, 3),
			a.broken("Latin1AfterDetectedUTF8", "131052-308T;S\xf6d\xe9rblom\n", true, connectors.ErrEncoding, 3),
		},
	})
}
