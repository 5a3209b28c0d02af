package inspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/testregister"
)

// memSource is a connectors.Source over in-memory string columns ("" is null when nulls is
// set), handed out in batches of batch records.
type memSource struct {
	names []string
	cols  [][]string
	batch int
	pos   int
	nulls bool
}

func (m *memSource) Columns() []string { return m.names }
func (m *memSource) Stats() connectors.Stats {
	return connectors.Stats{Records: int64(m.pos)}
}
func (m *memSource) Close() error { return nil }
func (m *memSource) Next(context.Context) (connectors.Batch, error) {
	n := 0
	if len(m.cols) > 0 {
		n = min(m.batch, len(m.cols[0])-m.pos)
	}
	if n <= 0 {
		return connectors.Batch{}, io.EOF
	}
	fields := make([]arrow.Field, len(m.names))
	arrs := make([]arrow.Array, len(m.names))
	for j, name := range m.names {
		b := array.NewStringBuilder(memory.DefaultAllocator)
		for _, v := range m.cols[j][m.pos : m.pos+n] {
			if v == "" && m.nulls {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		arrs[j] = b.NewArray()
		b.Release()
		fields[j] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = int64(m.pos + i + 1)
	}
	m.pos += n
	rec := array.NewRecord(arrow.NewSchema(fields, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

// repeat returns n values cycling through vals.
func repeat(n int, vals ...string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = vals[i%len(vals)]
	}
	return out
}

// numbered returns n distinct values made by format.
func numbered(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

const n = 200

var hetus = repeat(n, "150315A9011", "290268-9129", "010120B923C", "311299Y934B")

func TestSuggest(t *testing.T) {
	type col struct {
		name string
		vals []string
	}
	tests := []struct {
		name string
		cols []col
		want []Suggestion // Why is not compared
	}{
		{
			name: "daycare register",
			cols: []col{
				{"hetu", hetus},
				{"etunimi", repeat(n, "Aino", "Matti", "Åsa", "Jönne")},
				{"Sukunimi", repeat(n, "Virtanen", "Öhman", "Korhonen")},
				{"katuosoite", repeat(n, "Kirkkotie 5", "Åbovägen 1 B 12", "Mannerheimintie 5 A 7")},
				{"postinumero", repeat(n, "00100", "2100", "33100")},
				{"yksikkö", repeat(n, "Päiväkoti Kastanja", "Solbacka daghem")},
				{"kuukausimaksu", repeat(n, "1 234,50", "295", "")},
				{"tunnit", repeat(n, "37.5", "40")},
				{"aloituspäivä", repeat(n, "2024-01-15", "15.8.2023")},
				{"puhelin", repeat(n, "040 123 4567", "+358 50 1234567")},
				{"sähköposti", repeat(n, "aino.virtanen@example.fi", "x@example.com")},
				{"lisätiedot", repeat(n, "allergia: pähkinä", "", "", "")},
				{"tyhjä", repeat(n, "")},
			},
			want: []Suggestion{
				{Role: "person_id", Format: "hetu"}, {Role: "identifier"}, {Role: "identifier"}, {Role: "identifier"},
				{Role: "dimension", Width: 5, Truncate: 3}, {Role: "dimension"}, {Role: "measure"}, {Role: "measure"},
				{Role: "dimension", Date: "year"}, {Role: "identifier"}, {Role: "identifier"}, {Role: "drop"}, {Role: "drop"},
			},
		},
		{
			name: "values decide when names do not",
			cols: []col{
				{"a", repeat(n, "Aino Virtanen", "Matti Korhonen")},
				{"b", repeat(n, "Rantatie 4", "Kirkkotie 12 B")},
				{"c", repeat(n, "040-1234567", "")},
				{"d", repeat(n, "FI21 1234 5600 0007 85")},
				{"e", repeat(n, "laktoositon ruokavalio; hakee klo 16", "vuorohoito (ilta)")},
				{"f", repeat(n, "00100", "00980", "02100")},
				{"g", numbered(n, "K%04d")},
				{"h", numbered(n, "pitkä kuvaus joka ei ole kategoria vaan tunniste %d")},
				{"vuosi", repeat(n, "2023", "2024")},
				{"i", repeat(n, "true", "false")},
				{"j", hetus},
			},
			want: []Suggestion{
				{Role: "identifier"}, {Role: "identifier"}, {Role: "identifier"}, {Role: "identifier"}, {Role: "drop"},
				{Role: "dimension", Width: 5, Truncate: 3}, {Role: "identifier"}, {Role: "drop"}, {Role: "dimension"},
				{Role: "dimension"}, {Role: "person_id", Format: "hetu"},
			},
		},
		{
			name: "two HETU columns: the fuller one is the person id",
			cols: []col{
				{"huoltajan_hetu", repeat(n, "150315A9011", "")},
				{"lapsen_hetu", hetus},
				{"ryhmä", repeat(n, "A", "B")},
			},
			want: []Suggestion{{Role: "identifier"}, {Role: "person_id", Format: "hetu"}, {Role: "dimension"}},
		},
		{
			name: "no HETU: an id-named column",
			cols: []col{
				{"ryhmä", repeat(n, "A", "B")},
				{"asiakasnumero", numbered(n, "%06d")},
				{"summa", repeat(n, "12.5", "3")},
			},
			want: []Suggestion{{Role: "dimension"}, {Role: "person_id", Format: "any"}, {Role: "measure"}},
		},
		{
			name: "personnummer",
			cols: []col{
				{"pnr", repeat(n, "19121212-1212", "20010101-1239")},
				{"enhet", repeat(n, "Solbacka", "Ekbacken")},
			},
			want: []Suggestion{{Role: "person_id", Format: "any"}, {Role: "dimension"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &memSource{batch: 64}
			for _, c := range tc.cols {
				src.names = append(src.names, c.name)
				src.cols = append(src.cols, c.vals)
			}
			p, err := ProfileSource(context.Background(), src, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := Suggest(p)
			for i := range got {
				if got[i].Why == "" {
					t.Errorf("column %s: no reason given", tc.cols[i].name)
				}
				got[i].Why = ""
			}
			for i := range tc.want {
				if i < len(got) && !reflect.DeepEqual(got[i], tc.want[i]) {
					t.Errorf("column %s (%s): got %+v, want %+v", tc.cols[i].name, p.Columns[i].Type, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestProfile(t *testing.T) {
	src := &memSource{batch: 7, nulls: true, names: []string{"hetu", "n", "d", "x"}, cols: [][]string{
		repeat(30, "150315A9011", "", "not a hetu"),
		numbered(30, "%d"),
		repeat(30, "2024-02-29", "31.12.2023"),
		repeat(30, "a@example.fi", "040 1234567", "Aino"),
	}}
	tests := []struct {
		name      string
		sample    int
		records   int
		truncated bool
	}{
		{"whole source", 100, 30, false},
		{"exactly the source", 30, 30, false},
		{"bounded sample inside a batch", 10, 10, true},
		{"bounded sample at a batch end", 14, 14, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src.pos = 0
			p, err := ProfileSource(context.Background(), src, tc.sample)
			if err != nil {
				t.Fatal(err)
			}
			if p.Records != tc.records || p.Truncated != tc.truncated {
				t.Fatalf("records %d truncated %v, want %d %v", p.Records, p.Truncated, tc.records, tc.truncated)
			}
			h, num, d, x := p.Columns[0], p.Columns[1], p.Columns[2], p.Columns[3]
			third := (tc.records + 2) / 3 // values at positions 0, 3, 6, ...
			if h.Values != tc.records || h.Empty != (tc.records+1)/3 || h.Found[pii.HETU] != third || h.Type != TypeText || h.Distinct != 2 {
				t.Errorf("hetu profile %+v", *h)
			}
			if num.Type != TypeInteger || num.Distinct != tc.records || num.Empty != 0 {
				t.Errorf("number profile %+v", *num)
			}
			if d.Type != TypeDate || d.Bucket() != "2–10" {
				t.Errorf("date profile %+v", *d)
			}
			if x.Found[pii.Email] != third || x.Found[pii.Phone] != (tc.records+1)/3 || x.Names != tc.records/3 || x.Bucket() != "2–10" {
				t.Errorf("mixed profile %+v", *x)
			}
		})
	}
}

func TestBucket(t *testing.T) {
	for _, tc := range []struct {
		distinct int
		want     string
	}{{0, "0"}, {1, "1"}, {2, "2–10"}, {10, "2–10"}, {11, "11–100"}, {100, "11–100"}, {101, "101–1000"}, {1000, "101–1000"}, {1001, ">1000"}} {
		c := Column{Distinct: tc.distinct}
		if got := c.Bucket(); got != tc.want {
			t.Errorf("Bucket(%d) = %q, want %q", tc.distinct, got, tc.want)
		}
	}
	src := &memSource{batch: 500, names: []string{"a"}, cols: [][]string{numbered(5000, "v%d")}}
	p, err := ProfileSource(context.Background(), src, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Columns[0]; c.Distinct != 1001 || c.Bucket() != ">1000" {
		t.Errorf("5000 distinct values: Distinct %d bucket %q, want 1001 >1000", c.Distinct, c.Bucket())
	}
}

func TestHeaderless(t *testing.T) {
	for _, name := range []string{"150315A9011", "aino.virtanen@example.fi", "Aino"} {
		src := &memSource{batch: 10, names: []string{"yksikkö", name}, cols: [][]string{{"x"}, {"y"}}}
		_, err := ProfileSource(context.Background(), src, 0)
		if !errors.Is(err, ErrHeaderless) || strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "column 2") {
			t.Errorf("header %q: error %v, want ErrHeaderless citing column 2 only", name, err)
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		source, format, encoding, delimiter string
		want                                Target
		usage                               bool
	}{
		{source: "r/daycare.CSV", want: Target{Type: "csv", Path: "r/daycare.CSV"}},
		{source: "x.tsv", delimiter: `\t`, want: Target{Type: "csv", Path: "x.tsv", Delimiter: "\t"}},
		{source: "x.txt", encoding: "windows-1252", delimiter: ";", want: Target{Type: "csv", Path: "x.txt", Encoding: "windows-1252", Delimiter: ";"}},
		{source: "x.xlsx", want: Target{Type: "xlsx", Path: "x.xlsx"}},
		{source: "x.xlsx#Lapset 2024", want: Target{Type: "xlsx", Path: "x.xlsx", Sheet: "Lapset 2024"}},
		{source: "x.parquet", want: Target{Type: "parquet", Path: "x.parquet"}},
		{source: "x.ndjson", want: Target{Type: "jsonl", Path: "x.ndjson"}},
		{source: "export.dat", format: "csv", want: Target{Type: "csv", Path: "export.dat"}},
		{source: "REGISTER_DSN:public.daycare", want: Target{Type: "postgres", DSNEnv: "REGISTER_DSN", Table: "public.daycare"}},
		{source: "DSN:SELECT * FROM t WHERE a > 1", format: "postgres", want: Target{Type: "postgres", DSNEnv: "DSN", Query: "SELECT * FROM t WHERE a > 1"}},
		{source: "export.dat", usage: true},
		{source: "", format: "csv", usage: true},
		{source: "x.csv", format: "xml", usage: true},
		{source: "x.xlsx", delimiter: ";", usage: true},
		{source: "x.csv", encoding: "latin1", usage: true},
		{source: "x.csv", delimiter: ":", usage: true},
		{source: "public.daycare", format: "postgres", usage: true},
		{source: "STATEXPORT_DSN:t", format: "postgres", usage: true},
	}
	for _, tc := range tests {
		t.Run(tc.source+"/"+tc.format, func(t *testing.T) {
			got, err := ParseTarget(tc.source, tc.format, tc.encoding, tc.delimiter)
			if tc.usage {
				if !errors.Is(err, ErrUsage) {
					t.Errorf("error %v, want ErrUsage", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseTarget = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestDraftLoads inspects the generated register in every format and checks that the draft
// loads in config.Load as printed, suggests the expected roles, and quotes no value.
func TestDraftLoads(t *testing.T) {
	opt := synth.Options{Seed: 5, Rows: 1500, Persons: 400, Invalid: 0.01}
	dir := t.TempDir()
	cols := testregister.SynthColumns()
	targets := map[string]Target{}

	csvPath := filepath.Join(dir, "daycare.csv")
	writeWith(t, csvPath, func(f *os.File) error { return synth.WriteCSV(f, opt, synth.DialectFI) })
	targets["csv fi dialect"] = Target{Type: "csv", Path: csvPath}
	jsonlPath := filepath.Join(dir, "daycare.jsonl")
	writeWith(t, jsonlPath, func(f *os.File) error { return synth.WriteJSONL(f, opt) })
	targets["jsonl"] = Target{Type: "jsonl", Path: jsonlPath}
	xlsxPath := filepath.Join(dir, "daycare.xlsx")
	if err := testregister.WriteXLSX(xlsxPath, "Lapset", cols, testregister.Synth(opt)); err != nil {
		t.Fatal(err)
	}
	targets["xlsx"] = Target{Type: "xlsx", Path: xlsxPath, Sheet: "Lapset"}
	pqPath := filepath.Join(dir, "daycare.parquet")
	if err := testregister.WriteParquet(pqPath, cols, testregister.Synth(opt), 500); err != nil {
		t.Fatal(err)
	}
	targets["parquet"] = Target{Type: "parquet", Path: pqPath}
	env := map[string]string{}
	if dsn := os.Getenv("PG_TEST_DSN"); dsn != "" {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		table := fmt.Sprintf("inspect_%d", os.Getpid())
		conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
		if err := testregister.LoadPostgres(ctx, conn, table, cols, testregister.Synth(opt)); err != nil {
			t.Fatal(err)
		}
		defer conn.Exec(ctx, "DROP TABLE "+table)
		env["REGISTER_DSN"] = dsn
		targets["postgres query"] = Target{Type: "postgres", DSNEnv: "REGISTER_DSN", Query: testregister.OrderedQuery(table, cols)}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("PG_TEST_DSN is not set: .ci/postgres.sh must start a PostgreSQL cluster in CI")
	} else {
		t.Log("PG_TEST_DSN not set: the postgres draft is not checked")
	}

	values := registerValues(t, opt)
	want := map[string]string{"hetu": "person_id", "first_name": "identifier", "last_name": "identifier",
		"street": "identifier", "postal_code": "dimension", "unit": "dimension", "monthly_fee": "measure",
		"hours": "measure", "start_date": "dimension", "phone": "identifier", "email": "identifier", "notes": "drop"}
	for name, tgt := range targets {
		for _, sample := range []int{0, 300} {
			t.Run(fmt.Sprintf("%s sample %d", name, sample), func(t *testing.T) {
				var out bytes.Buffer
				if err := Inspect(context.Background(), &out, tgt, func(k string) string { return env[k] }, sample); err != nil {
					t.Fatal(err)
				}
				draft := out.String()
				if bounded := strings.Contains(draft, "bounded sample: the first 300 records"); bounded != (sample == 300) {
					t.Errorf("sample %d: the draft says bounded sample = %v", sample, bounded)
				}
				for _, v := range values {
					if strings.Contains(draft, v) {
						t.Fatalf("the draft quotes the value %q", v)
					}
				}
				p := filepath.Join(t.TempDir(), "job.yaml")
				if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
				job, err := config.Load(p, nil)
				if err != nil {
					t.Fatalf("config.Load of the draft: %v\n%s", err, draft)
				}
				for _, c := range job.Columns {
					if want[c.Name] != c.Role {
						t.Errorf("column %s: role %s, want %s", c.Name, c.Role, want[c.Name])
					}
				}
				if len(job.Tables) != 1 || !reflect.DeepEqual(job.Tables[0].GroupBy, []string{"unit", "age_band"}) {
					t.Errorf("tables %+v, want one grouped by unit and age_band", job.Tables)
				}
			})
		}
	}
}

func writeWith(t *testing.T, p string, fn func(*os.File) error) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// registerValues lists the register's distinct values long enough to be recognised in the
// draft (at least five characters, not a column name).
func registerValues(t *testing.T, opt synth.Options) []string {
	seen := map[string]bool{}
	for _, c := range synth.Columns() {
		seen[c] = true
	}
	var out []string
	err := synth.Generate(opt, func(r synth.Row) error {
		for _, v := range []string{r.HETU, r.FirstName, r.LastName, r.Street, r.PostalCode, r.Unit, r.Phone, r.Email, r.Notes} {
			if len([]rune(v)) >= 5 && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
