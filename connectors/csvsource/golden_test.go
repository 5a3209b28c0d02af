package csvsource

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/statexport/statexport/connectors"
)

var update = flag.Bool("update", false, "rewrite the golden inputs and outputs under testdata/")

// goldenCase is one dialect vendors ship. The input file under testdata/ is committed; with
// -update it is rewritten from text (encoded to the dialect's bytes) and its golden output
// from what the source reads, which must then be reviewed by hand before committing.
type goldenCase struct {
	name  string
	delim string
	text  string           // the file as UTF-8 text; "\r\n" written as is
	cs    *charmap.Charmap // nil: UTF-8
	bom   bool
	check func(t *testing.T, data []byte)
}

var goldenCases = []goldenCase{
	{
		// Windows-1252, ';', decimal comma, CRLF, a blank line, a quoted ';' and a quoted
		// CRLF inside a field, € (0x80).
		name:  "windows1252_semicolon_crlf",
		delim: ";",
		cs:    charmap.Windows1252,
		text: "hetu;etunimi;yksikkö;postinumero;kuukausimaksu;tunnit;aloituspäivä;lisätiedot\r\n" +
			"150315A901C;Aino;Päiväkoti Kastanja;00100;1 234,50;37,5;15.1.2024;\r\n" +
			"290268-912S;Jönne;Solbacka daghem;02100;295,00;;1.8.2023;\"allergia; pähkinä\"\r\n" +
			"\r\n" +
			"010120B923L;Åsa;Ryhmäperhepäiväkoti Ärrä;00980;;40,25;1.3.2025;\"maksu 25 €\r\nkuukaudessa\"\r\n" +
			"311299Y934D;Matti;\"Kastanja \"\"iso\"\"\";33100;0,75;12,5;;\r\n",
		check: func(t *testing.T, data []byte) {
			if !bytes.Contains(data, []byte{0xE4}) || !bytes.Contains(data, []byte{0x80}) || utf8.Valid(data) {
				t.Error("input is not Windows-1252 bytes (want 0xE4 for ä, 0x80 for €, and invalid UTF-8)")
			}
			if bytes.Count(data, []byte("\r\n")) != bytes.Count(data, []byte("\n")) {
				t.Error("input has a line end that is not CRLF")
			}
		},
	},
	{
		// UTF-8 with BOM, ',', quoted fields over several lines, LF, no final newline.
		name:  "utf8_bom_comma_multiline",
		delim: ",",
		bom:   true,
		text: "hetu,yksikkö,kuukausimaksu,lisätiedot\n" +
			"150315A901C,\"Päiväkoti Kastanja, Åbo\",1234.50,\"rivi yksi\nrivi kaksi\nrivi kolme\"\n" +
			"290268-912S,Solbacka daghem,295.00,\"hän sanoi \"\"hei\"\"\"\n" +
			"010120B923L,\"Metsä\ntähti\",,\n" +
			"311299Y934D,Åkerö,0.75,\"\"",
		check: func(t *testing.T, data []byte) {
			if !bytes.HasPrefix(data, bom) || !utf8.Valid(data) || bytes.Contains(data, []byte("\r")) {
				t.Error("input is not UTF-8 with a BOM and LF line ends")
			}
		},
	},
}

// golden is what a source read from a golden input.
type golden struct {
	Columns []string   `json:"columns"`
	Lines   []int64    `json:"lines"`
	Records [][]string `json:"records"`
	Count   int64      `json:"stats_records"`
	SHA256  string     `json:"sha256"`
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			in := filepath.Join("testdata", gc.name+".csv")
			out := filepath.Join("testdata", gc.name+".golden.json")
			if *update {
				data := []byte(gc.text)
				if gc.cs != nil {
					var err error
					if data, err = gc.cs.NewEncoder().Bytes(data); err != nil {
						t.Fatal(err)
					}
				}
				if gc.bom {
					data = append(append([]byte{}, bom...), data...)
				}
				if err := os.WriteFile(in, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			gc.check(t, data)

			first, _, _ := strings.Cut(gc.text, "\n")
			header := strings.Split(strings.TrimSpace(first), gc.delim)
			for _, tu := range tunings {
				r := readAll(t, connectors.Options{Path: in, Keep: header}, tu)
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				got := golden{Columns: r.Header, Lines: r.Lines, Records: r.Values, Count: r.Records, SHA256: r.SHA256}
				js, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				js = append(js, '\n')
				if *update && tu == defaultTuning {
					if err := os.WriteFile(out, js, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(js, want) {
					t.Fatalf("chunk %d: read\n%s\nwant (%s)\n%s", tu.chunkSize, js, out, want)
				}
			}
		})
	}
}
