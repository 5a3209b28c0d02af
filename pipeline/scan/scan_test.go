package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/connectors/parquetsink"
)

// Identifiers used in the generated registers (synthetic, valid checksums).
const (
	hetu1  = "131052-308T"
	hetu2  = "010594Y9021"
	email1 = "matti.meikäläinen@example.fi"
	phone1 = "040-1234567"
	phone2 = "+358 9 123 4567"
	iban1  = "FI21 1234 5600 0007 85"
	pnr1   = "19811218-9876"
)

// secrets lists every identifier; no output or error may contain one.
var secrets = []string{hetu1, hetu2, email1, phone1, phone2, iban1, pnr1, "131052", "1234567"}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func collect(t *testing.T, paths ...string) ([]Finding, error) {
	t.Helper()
	var got []Finding
	err := Files(context.Background(), paths, func(f Finding) { got = append(got, f) })
	for _, f := range got {
		assertNoSecret(t, f.String())
	}
	if err != nil {
		assertNoSecret(t, err.Error())
	}
	return got, err
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, v := range secrets {
		if strings.Contains(s, v) {
			t.Errorf("output quotes a value: %q", s)
		}
	}
}

func F(file string, row int64, col string, kind pii.Kind) Finding {
	return Finding{File: file, Row: row, Column: col, Kind: kind}
}

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		file    string
		content string
		want    func(p string) []Finding
	}{
		{
			name: "register", file: "register.csv",
			// The record starting on line 3 has a quoted field spanning lines 3–4, so the
			// next records start on lines 5 and 6.
			content: "hetu;nimi;puhelin;lisätiedot;postinumero\n" +
				hetu1 + ";Matti;" + phone1 + ";;00100\n" +
				hetu2 + ";Aino;;\"soita\n" + phone2 + "\";00180\n" +
				";Liisa;;ei mitään;02100\n" +
				"x;Pekka;;" + email1 + " tai " + iban1 + ";99999\n",
			want: func(p string) []Finding {
				return []Finding{
					F(p, 2, "hetu", pii.HETU), F(p, 2, "puhelin", pii.Phone),
					F(p, 3, "hetu", pii.HETU), F(p, 3, "lisätiedot", pii.Phone),
					F(p, 6, "lisätiedot", pii.IBAN), F(p, 6, "lisätiedot", pii.Email),
				}
			},
		},
		{
			name: "headerless", file: "headerless.txt",
			content: hetu1 + "," + email1 + ",Kastanja\n" + hetu2 + ",x@y.fi,Solbacka\n",
			want: func(p string) []Finding {
				return []Finding{
					F(p, 1, "column 1", pii.HETU), F(p, 1, "column 2", pii.Email),
					F(p, 2, "column 1", pii.HETU), F(p, 2, "column 2", pii.Email),
				}
			},
		},
		{
			name: "headerless with empty fields", file: "raw.csv",
			content: hetu1 + ";Matti;;;" + phone1 + "\n" + hetu2 + ";\"Ai\nno\";;x;\n;;;;" + email1 + "\n",
			want: func(p string) []Finding {
				return []Finding{
					F(p, 1, "column 1", pii.HETU), F(p, 1, "column 5", pii.Phone),
					F(p, 2, "column 1", pii.HETU), F(p, 4, "column 5", pii.Email),
				}
			},
		},
		{
			name: "headerless windows-1252", file: "raw1252.csv",
			content: hetu1 + ",P\xe4ivi,,\n" + hetu2 + ",x,,\n",
			want: func(p string) []Finding {
				return []Finding{F(p, 1, "column 1", pii.HETU), F(p, 2, "column 1", pii.HETU)}
			},
		},
		{
			name: "statistics", file: "stats.csv",
			content: "unit;age_band;persons;monthly_fee_sum;persons_ci95\n" +
				"Kastanja;13-17;12;1234.5;0.06666666666666667\n" +
				"Solbacka;65+;1234567;12345.678901;-3.2\n" +
				"(missing);0-2;0;0;2024-03-01\n",
			want: func(string) []Finding { return nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, dir, tt.file, tt.content)
			got, err := collect(t, p)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(p); !reflect.DeepEqual(got, want) {
				t.Errorf("findings:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestJSONL(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "register.jsonl",
		`{"id":"`+hetu1+`","name":"Matti","contact":{"email":"`+email1+`","phones":["`+phone1+`", 5]},"fee":12.5}`+"\n"+
			`{"id":null,"unit":"Kastanja","age":"13-17","n":1234567}`+"\r\n"+
			`{"`+hetu2+`":{"iban":"`+iban1+`"}}`+"\n"+
			"\n")
	got, err := collect(t, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		F(p, 1, "id", pii.HETU), F(p, 1, "contact.email", pii.Email), F(p, 1, "contact.phones", pii.Phone),
		F(p, 3, "(key 1)", pii.HETU), F(p, 3, "(key 1).iban", pii.IBAN),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
}

func TestParquet(t *testing.T) {
	dir := t.TempDir()
	reg := parquetsink.Table{
		Columns: []parquetsink.Column{{Name: "hetu", Type: parquetsink.String}, {Name: "unit", Type: parquetsink.String},
			{Name: "fee", Type: parquetsink.Double}, {Name: "pnr", Type: parquetsink.Int64}, {Name: hetu2, Type: parquetsink.String}},
		Rows: [][]any{
			{hetu1, "Kastanja", 12.5, nil, nil},
			{nil, "tel " + phone1, 0.0666, int64(198112189876), "x"},
		},
	}
	p := filepath.Join(dir, "register.parquet")
	if _, err := parquetsink.Write(p, reg, nil, "zstd"); err != nil {
		t.Fatal(err)
	}
	stats := parquetsink.Table{
		Columns: []parquetsink.Column{{Name: "unit", Type: parquetsink.String}, {Name: "persons", Type: parquetsink.Int64},
			{Name: "fee_mean", Type: parquetsink.Double}, {Name: "suppressed", Type: parquetsink.Bool}},
		Rows: [][]any{{"Kastanja", int64(1234567), 12345.678901, false}, {"00100", int64(0), nil, true}},
	}
	ps := filepath.Join(dir, "stats.parquet")
	if _, err := parquetsink.Write(ps, stats, nil, "none"); err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, p, ps)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		F(p, 0, "column 5", pii.HETU),
		F(p, 1, "hetu", pii.HETU),
		F(p, 2, "unit", pii.Phone), F(p, 2, "pnr", pii.Personnummer),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
}

func TestXLSX(t *testing.T) {
	dir := t.TempDir()
	wb := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Sheet1: the header on row 2 (row 1 empty), a gap at row 4.
	must(wb.SetSheetRow("Sheet1", "A2", &[]any{"hetu", "email", "", "maksu"}))
	must(wb.SetSheetRow("Sheet1", "A3", &[]any{hetu1, "ei", "", 12.5}))
	must(wb.SetSheetRow("Sheet1", "A5", &[]any{"", email1, phone1, 1234567}))
	if _, err := wb.NewSheet("Tilastot"); err != nil {
		t.Fatal(err)
	}
	must(wb.SetSheetRow("Tilastot", "A1", &[]any{"unit", "persons", "mean"}))
	must(wb.SetSheetRow("Tilastot", "A2", &[]any{"Kastanja", 12, 0.0666666}))
	must(wb.SetSheetRow("Tilastot", "A3", &[]any{"Solbacka", 1234567, "2024-Q1"}))
	p := filepath.Join(dir, "register.xlsx")
	must(wb.SaveAs(p))
	must(wb.Close())

	got, err := collect(t, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		{File: p, Sheet: "Sheet1", Row: 3, Column: "hetu", Kind: pii.HETU},
		{File: p, Sheet: "Sheet1", Row: 5, Column: "email", Kind: pii.Email},
		{File: p, Sheet: "Sheet1", Row: 5, Column: "column 3", Kind: pii.Phone},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
	if s := want[0].String(); s != p+"[Sheet1]:3:hetu: hetu" {
		t.Errorf("String = %q", s)
	}

	one := excelize.NewFile()
	must(one.SetSheetRow("Sheet1", "A1", &[]any{hetu1, "x"}))
	p1 := filepath.Join(dir, "headerless.xlsx")
	must(one.SaveAs(p1))
	got, err = collect(t, p1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Finding{F(p1, 1, "column 1", pii.HETU)}; !reflect.DeepEqual(got, want) {
		t.Errorf("headerless findings:\n got %v\nwant %v", got, want)
	}
}

func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	a := write(t, dir, "a.csv", "email\n"+email1+"\n")
	b := write(t, sub, "b.NDJSON", `{"tel":"`+phone1+`"}`+"\n")
	write(t, dir, "notes.md", hetu1+"\n") // not a scanned extension
	got, err := collect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{F(a, 2, "email", pii.Email), F(b, 1, "tel", pii.Phone)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
}

func TestUnreadable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		file    string
		content string
		want    string // substring of the error
	}{
		{"missing", "", "", "nope.csv"},
		{"unsupported explicit", "notes.md", hetu1, "unsupported file type"},
		{"broken parquet", "x.parquet", "PAR1" + hetu1 + "PAR1", "not a readable Parquet file"},
		{"broken xlsx", "x.xlsx", hetu1, "not an xlsx workbook"},
		{"invalid json", "x.jsonl", `{"id":"` + hetu1 + `"}` + "\n" + `{"id": ` + hetu1 + "}\n", "x.jsonl:2: invalid JSON"},
		{"ragged csv", "x.csv", "a,b\n" + hetu1 + ",1,2\n", "x.csv:2"},
		{"empty csv", "e.csv", "", "e.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "nope.csv")
			if tt.file != "" {
				p = write(t, dir, tt.file, tt.content)
			}
			_, err := collect(t, p)
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("err = %v, want ErrUnreadable", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestUnreadableContinues: an unreadable file does not stop the scan of the others.
func TestUnreadableContinues(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.jsonl", "{\n")
	good := write(t, dir, "good.csv", "hetu\n"+hetu1+"\n")
	got, err := collect(t, bad, good)
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "bad.jsonl") {
		t.Errorf("err = %v, want ErrUnreadable naming bad.jsonl", err)
	}
	if want := []Finding{F(good, 2, "hetu", pii.HETU)}; !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
}

func TestTable(t *testing.T) {
	tbl := parquetsink.Table{
		Columns: []parquetsink.Column{{Name: "unit", Type: parquetsink.String}, {Name: "persons", Type: parquetsink.Int64}, {Name: "sum", Type: parquetsink.Double}},
		Rows: [][]any{
			{"Kastanja", int64(12), 1234.5},
			{phone1, int64(3), nil},            // a unit named like a phone number, listed in the config
			{email1, int64(198112189876), 0.0}, // not listed: found
		},
	}
	skip := func(column, value string) bool { return column == "unit" && value == phone1 }
	var got []Finding
	Table("t.parquet", tbl, skip, func(f Finding) { got = append(got, f) })
	want := []Finding{F("t.parquet", 3, "unit", pii.Email), F("t.parquet", 3, "persons", pii.Personnummer)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
	got = nil
	Table("t.parquet", tbl, nil, func(f Finding) { got = append(got, f) })
	if len(got) != 3 {
		t.Errorf("without skip: %d findings, want 3", len(got))
	}
}

func TestFindingString(t *testing.T) {
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{"plain", F("out/t.csv", 3, "email", pii.Email), "out/t.csv:3:email: email"},
		{"sheet", Finding{File: "b.xlsx", Sheet: "S2", Row: 1, Column: "column 2", Kind: pii.IBAN}, "b.xlsx[S2]:1:column 2: iban"},
		{"control chars", F("a.csv", 1, "x\ny", pii.Phone), "a.csv:1:x?y: phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzJSONLine: any line either walks or fails with errJSONSyntax; never a panic, and every
// reported column is non-empty.
func FuzzJSONLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		err := walkJSON(dec, "", func(column, _ string) {
			if column == "" {
				t.Fatal("empty column")
			}
		})
		if err != nil && !errors.Is(err, errJSONSyntax) {
			t.Fatalf("err = %v, want errJSONSyntax", err)
		}
	})
}
