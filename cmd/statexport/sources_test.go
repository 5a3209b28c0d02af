package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/csvsource"
	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/connectors/testregister"
	"github.com/statexport/statexport/connectors/xlsxsource"
)

// The example job run from each of the five source types: the same logical register (the
// example's Windows-1252 CSV) written as JSON Lines, Parquet, XLSX and a PostgreSQL table must
// give the same pre-noise records — the same input counts in the dry run and in the ledger —
// and publish the same tables.

// srcKinds types the example register's columns for the typed sources: the fee and hours are
// numbers, the start date a date, everything else text (postal codes too: "00100" keeps its
// zeros, and the register's "100" stays "100" for `width: 5` to pad, as in the CSV).
var srcKinds = map[string]testregister.Kind{
	"monthly_fee": testregister.Number,
	"hours":       testregister.Number,
	"start_date":  testregister.Date,
}

// srcSheet is the sheet the XLSX source is written to (not the default "Sheet1", so that the
// config's `sheet:` is exercised).
const srcSheet = "Lapset"

// srcRegister reads the example register testdata/registers/daycare.csv with csvsource (auto
// encoding and delimiter, every column kept) into text rows, with the decimal comma of the
// number columns turned into testregister.FromText's '.'; dates stay d.m.yyyy, which FromText
// reads.
func srcRegister(t *testing.T) (names []string, rows [][]string) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "testdata/registers/daycare.csv")
	src, err := csvsource.Open(connectors.Options{Path: path})
	if err != nil {
		t.Fatalf("open the example register: %v", err)
	}
	names = src.Columns()
	src.Close()
	if src, err = csvsource.Open(connectors.Options{Path: path, Keep: names}); err != nil {
		t.Fatalf("open the example register: %v", err)
	}
	defer src.Close()
	number := strings.NewReplacer(" ", "", "\u00a0", "", ",", ".")
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the example register: %v", err) // ParseErrors quote no value
		}
		rec := b.Record
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]string, len(names))
			for c := range names {
				row[c] = rec.Column(c).(*array.String).Value(r)
				if srcKinds[names[c]] == testregister.Number {
					row[c] = number.Replace(row[c])
				}
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
	if len(names) != 12 || len(rows) != 6000 {
		t.Fatalf("the example register has %d columns and %d rows, want 12 and 6000", len(names), len(rows))
	}
	return names, rows
}

// srcFiles writes the example register into dir as daycare.jsonl, daycare.parquet and
// daycare.xlsx (sheet srcSheet) and returns the paths by source type.
func srcFiles(t *testing.T, dir string, cols []testregister.Column, rows testregister.Rows) map[string]string {
	t.Helper()
	paths := map[string]string{
		"jsonl":   filepath.Join(dir, "daycare.jsonl"),
		"parquet": filepath.Join(dir, "daycare.parquet"),
		"xlsx":    filepath.Join(dir, "daycare.xlsx"),
	}
	f, err := os.Create(paths["jsonl"])
	if err != nil {
		t.Fatal(err)
	}
	if err := testregister.WriteJSONL(f, cols, rows); err != nil {
		t.Fatalf("write JSONL: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := testregister.WriteParquet(paths["parquet"], cols, rows, 2500); err != nil { // three row groups
		t.Fatalf("write Parquet: %v", err)
	}
	if err := testregister.WriteXLSX(paths["xlsx"], srcSheet, cols, rows); err != nil {
		t.Fatalf("write XLSX: %v", err)
	}
	return paths
}

// srcPGDSN returns PG_TEST_DSN; without it the test is skipped locally and fails in CI.
func srcPGDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("PG_TEST_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PG_TEST_DSN is not set in CI (.ci/run starts PostgreSQL)")
		}
		t.Skip("PG_TEST_DSN not set: the PostgreSQL source is not tested")
	}
	return dsn
}

// srcPGTable loads the register into a new table of a unique name (dropped when the test
// ends) and returns the name. The table has testregister.OrdinalColumn first.
func srcPGTable(t *testing.T, dsn string, cols []testregister.Column, rows testregister.Rows) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	table := fmt.Sprintf("sx_sources_%d_%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("drop the test table: cannot connect: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			t.Errorf("drop the test table: %v", err)
		}
	})
	if err := testregister.LoadPostgres(ctx, conn, table, cols, rows); err != nil {
		t.Fatalf("load the register into PostgreSQL: %v", err)
	}
	return table
}

// srcDSNSecrets are the parts of a DSN that must never be printed: the DSN itself and its
// password (the test cluster's user name is "postgres", the source type's name too).
func srcDSNSecrets(dsn string) []string {
	secrets := []string{dsn}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && len(pw) >= 6 {
			secrets = append(secrets, pw)
		}
	}
	return secrets
}

var srcBlockRE = regexp.MustCompile(`(?s)\nsource:\n.*?\ncolumns:\n`)

// setSource replaces the config's `source:` block with block (indented lines, each ending in
// a newline); extraColumns are added at the top of `columns:`.
func setSource(t *testing.T, config, block, extraColumns string) {
	t.Helper()
	s := readString(t, config)
	if len(srcBlockRE.FindAllStringIndex(s, -1)) != 1 {
		t.Fatalf("%s has no single source: block followed by columns:", config)
	}
	writeString(t, config, srcBlockRE.ReplaceAllLiteralString(s, "\nsource:\n"+block+"columns:\n"+extraColumns))
}

// srcInputLine returns the dry run's input counts line.
func srcInputLine(t *testing.T, stdout string) string {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "input: ") {
			if !regexp.MustCompile(`^input: \d+ rows read, \d+ rejected, \d+ excluded \(consent withdrawn\), \d+ outside public values$`).MatchString(l) {
				t.Fatalf("the dry run's input line has an unexpected form: %q", l)
			}
			return l
		}
	}
	t.Fatalf("the dry run printed no input line (%d bytes on stdout)", len(stdout))
	return ""
}

// srcRelease is what a published release looks like, noise aside.
type srcRelease struct {
	tables  []string            // summary table names, in order
	columns map[string][]string // table → its Parquet columns
	rows    map[string]int      // table → rows
	cells   map[string][]string // public table → its cells' dimension values
	input   map[string]any      // the ledger entry's input block
}

func srcPublished(t *testing.T, ex example, r result, release string) srcRelease {
	t.Helper()
	var sum struct {
		Release   string
		OutputDir string `json:"output_dir"`
		Tables    []struct {
			Name string
			Rows int
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &sum); err != nil {
		t.Fatalf("run's stdout is not one JSON line: %v", err)
	}
	dir := filepath.Join(ex.out, release)
	if sum.Release != release || sum.OutputDir != dir {
		t.Fatalf("summary: release %q in %s, want %q in %s", sum.Release, sum.OutputDir, release, dir)
	}
	rel := srcRelease{columns: map[string][]string{}, rows: map[string]int{}, cells: map[string][]string{}}
	for _, tb := range sum.Tables {
		rel.tables = append(rel.tables, tb.Name)
		data, meta, err := parquetsink.Read(filepath.Join(dir, tb.Name+".parquet"))
		if err != nil {
			t.Fatalf("read table %s: %v", tb.Name, err)
		}
		if meta["statexport.release"] != release {
			t.Errorf("table %s: footer release %q, want %q", tb.Name, meta["statexport.release"], release)
		}
		if len(data.Rows) != tb.Rows {
			t.Errorf("table %s holds %d rows, the summary says %d", tb.Name, len(data.Rows), tb.Rows)
		}
		rel.rows[tb.Name] = len(data.Rows)
		public := false
		for _, c := range data.Columns {
			rel.columns[tb.Name] = append(rel.columns[tb.Name], c.Name)
			public = public || c.Name == "suppressed"
		}
		if public {
			for _, row := range data.Rows {
				rel.cells[tb.Name] = append(rel.cells[tb.Name], fmt.Sprint(row[0], "|", row[1]))
			}
		}
	}
	led := readLines(t, ex.ledger)
	if len(led) != 1 {
		t.Fatalf("the ledger has %d lines, want 1", len(led))
	}
	var entry struct {
		Release string
		Input   map[string]any
	}
	if err := json.Unmarshal([]byte(led[0]), &entry); err != nil || entry.Release != release {
		t.Fatalf("ledger entry for release %q unreadable (%v)", entry.Release, err)
	}
	rel.input = entry.Input
	return rel
}

// TestSourcesExampleJobEqualRecords: the example job reads the same register from CSV, JSONL,
// Parquet, XLSX and PostgreSQL (by query and by table) with the same input counts, validates,
// and publishes the same tables.
func TestSourcesExampleJobEqualRecords(t *testing.T) {
	names, text := srcRegister(t)
	cols, rows := testregister.FromText(names, text, srcKinds)

	// The CSV source, as shipped: the reference.
	base := newExample(t)
	if r := runBin(t, nil, "validate", "--config", base.config); r.code != 0 {
		t.Fatalf("csv: validate: exit %d: %s", r.code, srcLastLine(t, r.stderr))
	}
	dry := runBin(t, nil, "run", "--dry-run", "--config", base.config)
	if dry.code != 0 {
		t.Fatalf("csv: dry run: exit %d: %s", dry.code, srcLastLine(t, dry.stderr))
	}
	want := srcInputLine(t, dry.stdout)
	if want != "input: 6000 rows read, 6 rejected, 19 excluded (consent withdrawn), 0 outside public values" {
		t.Fatalf("csv: %q, want the counts of testdata/registers/README.md", want)
	}
	run := runBin(t, nil, "run", "--config", base.config, "--release", "s1")
	if run.code != 0 {
		t.Fatalf("csv: run: exit %d: %s", run.code, srcLastLine(t, run.stderr))
	}
	ref := srcPublished(t, base, run, "s1")
	if len(ref.tables) != 2 || ref.rows["enrolment_by_unit_age"] != 48 || ref.rows["enrolment_by_area"] == 0 {
		t.Fatalf("csv: tables %v with rows %v, want the public table's 48 cells and some private cells", ref.tables, ref.rows)
	}
	if ref.input["type"] != "csv" || ref.input["sha256"] == "" {
		t.Errorf("csv: ledger input type %v, sha256 %v", ref.input["type"], ref.input["sha256"])
	}

	files := srcFiles(t, t.TempDir(), cols, rows)
	type source struct {
		name, typ string
		block     string // the source: block; {path} and {table} are filled in
		columns   string // extra columns
		env       bool   // needs PostgreSQL
	}
	for _, s := range []source{
		{"jsonl", "jsonl", "  type: jsonl\n  path: {path}\n", "", false},
		{"parquet", "parquet", "  type: parquet\n  path: {path}\n", "", false},
		{"xlsx", "xlsx", "  type: xlsx\n  path: {path}\n  sheet: " + srcSheet + "\n", "", false},
		{"postgres query", "postgres", "  type: postgres\n  dsn_env: PG_TEST_DSN\n  query: {query}\n", "", true},
		{"postgres table", "postgres", "  type: postgres\n  dsn_env: PG_TEST_DSN\n  table: {table}\n",
			"  - {name: " + testregister.OrdinalColumn + ", role: drop}\n", true},
	} {
		t.Run(s.name, func(t *testing.T) {
			ex := newExample(t)
			block := s.block
			var secrets []string
			if s.env {
				dsn := srcPGDSN(t)
				secrets = srcDSNSecrets(dsn)
				table := srcPGTable(t, dsn, cols, rows)
				q, _ := json.Marshal(testregister.OrderedQuery(table, cols)) // a JSON string is a YAML scalar
				block = strings.NewReplacer("{table}", table, "{query}", string(q)).Replace(block)
			} else {
				// Relative to the config's directory, as users write it.
				path := filepath.Join(ex.tmp, "repo/registers", filepath.Base(files[s.typ]))
				copyFile(t, files[s.typ], path)
				block = strings.ReplaceAll(block, "{path}", "../registers/"+filepath.Base(path))
			}
			setSource(t, ex.config, block, s.columns)

			var runs []result
			r := runBin(t, nil, "validate", "--config", ex.config)
			runs = append(runs, r)
			if r.code != 0 {
				t.Fatalf("validate: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			r = runBin(t, nil, "run", "--dry-run", "--config", ex.config)
			runs = append(runs, r)
			if r.code != 0 {
				t.Fatalf("dry run: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			if got := srcInputLine(t, r.stdout); got != want {
				t.Errorf("dry run: %q, want the csv source's %q", got, want)
			}
			if len(readLines(t, ex.ledger)) != 0 {
				t.Fatalf("the dry run wrote the ledger")
			}
			r = runBin(t, nil, "run", "--config", ex.config, "--release", "s1")
			runs = append(runs, r)
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			got := srcPublished(t, ex, r, "s1")
			if strings.Join(got.tables, ",") != strings.Join(ref.tables, ",") {
				t.Errorf("tables %v, want the csv source's %v", got.tables, ref.tables)
			}
			for _, tb := range ref.tables {
				if strings.Join(got.columns[tb], ",") != strings.Join(ref.columns[tb], ",") {
					t.Errorf("table %s: columns %v, want the csv source's %v", tb, got.columns[tb], ref.columns[tb])
				}
			}
			if got.rows["enrolment_by_unit_age"] != 48 {
				t.Errorf("the public table has %d rows, want all 48 cells", got.rows["enrolment_by_unit_age"])
			}
			if strings.Join(got.cells["enrolment_by_unit_age"], ",") != strings.Join(ref.cells["enrolment_by_unit_age"], ",") {
				t.Errorf("the public table's cells differ from the csv source's")
			}
			if got.rows["enrolment_by_area"] == 0 {
				t.Errorf("the private table released no cell")
			}
			// The ledger's exact counts equal the csv source's; its type and hash are this source's.
			for _, k := range []string{"rows_read", "rows_rejected", "rows_excluded_consent", "rows_outside_public_values"} {
				if got.input[k] != ref.input[k] {
					t.Errorf("ledger input %s = %v, want the csv source's %v", k, got.input[k], ref.input[k])
				}
			}
			if got.input["type"] != s.typ {
				t.Errorf("ledger input type %v, want %s", got.input["type"], s.typ)
			}
			wantSHA := ""
			if !s.env {
				b, err := os.ReadFile(files[s.typ])
				if err != nil {
					t.Fatal(err)
				}
				h := sha256.Sum256(b)
				wantSHA = hex.EncodeToString(h[:])
			}
			if sha, _ := got.input["sha256"].(string); sha != wantSHA {
				t.Errorf("ledger input sha256 %q, want %q", sha, wantSHA)
			}
			assertNoIdentifiers(t, ex, runs...)
			for _, r := range runs {
				for _, sec := range secrets {
					if strings.Contains(r.stdout+r.stderr, sec) {
						t.Errorf("a part of the DSN (%d chars) was printed", len(sec))
					}
				}
			}
		})
	}
}

// srcLastLine is the last line of a command's stderr (its error), for failure messages, with
// any identifier of the example register and any part of PG_TEST_DSN blanked out: errors
// should name files, rows and columns only, but a failure message must not pass a leak on.
func srcLastLine(t *testing.T, s string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	last := lines[len(lines)-1]
	secrets := registerIdentifiers(t)
	if dsn := os.Getenv("PG_TEST_DSN"); dsn != "" {
		secrets = append(secrets, srcDSNSecrets(dsn)...)
	}
	for _, v := range secrets {
		last = strings.ReplaceAll(last, v, "[redacted]")
	}
	return last
}

// TestSourcesReadmeExamples: every `source:` example of the README's "Sources" section (one
// per source type) is a working config: the example job with its source block replaced by the
// README's validates and dry-runs to the example register's input counts, with the files
// written where the README's paths point (beside the config) and, for PostgreSQL, the DSN in
// the variable the example names and the table overridden by STATEXPORT_SOURCE_TABLE.
func TestSourcesReadmeExamples(t *testing.T) {
	readme := readString(t, filepath.Join(repoRoot(t), "README.md"))
	i := strings.Index(readme, "\n## Sources\n")
	if i < 0 {
		t.Fatal(`README.md has no "## Sources" section`)
	}
	section := readme[i+1:]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	if want := fmt.Sprintf("%d MiB (`xlsxsource.MaxUnzippedBytes`", xlsxsource.MaxUnzippedBytes>>20); !strings.Contains(section, want) {
		t.Errorf("the README's XLSX limit does not say %q", want)
	}
	blocks := regexp.MustCompile("(?s)```yaml\nsource:\n(.*?)```").FindAllStringSubmatch(section, -1)
	byType := map[string]string{}
	for _, b := range blocks {
		m := regexp.MustCompile(`(?m)^  type: (\w+)`).FindStringSubmatch(b[1])
		if m == nil || byType[m[1]] != "" {
			t.Fatalf("a README source example has no type, or a second one of its type:\n%s", b[1])
		}
		byType[m[1]] = b[1]
	}
	if len(byType) != 5 {
		t.Errorf("the README shows %d source types, want csv, xlsx, parquet, jsonl and postgres", len(byType))
	}

	names, text := srcRegister(t)
	cols, rows := testregister.FromText(names, text, srcKinds)
	ex := newExample(t)
	repo := filepath.Join(ex.tmp, "repo")
	srcFiles(t, filepath.Join(repo, "registers"), cols, rows)
	// The config moves beside registers/, as the README's paths assume; its ledger and
	// outputs stay inside the temp dir.
	base := readString(t, ex.config)
	for old, new := range map[string]string{"../registers/withdrawn.txt": "registers/withdrawn.txt",
		"../../var/ledger.jsonl": "var/ledger.jsonl", "../../out/{job}/{release}": "out/{job}/{release}"} {
		if strings.Count(base, old) != 1 {
			t.Fatalf("the example job does not hold %s once", old)
		}
		base = strings.Replace(base, old, new, 1)
	}
	const want = "input: 6000 rows read, 6 rejected, 19 excluded (consent withdrawn), 0 outside public values"
	for _, typ := range []string{"csv", "xlsx", "parquet", "jsonl", "postgres"} {
		t.Run(typ, func(t *testing.T) {
			block, ok := byType[typ]
			if !ok {
				t.Fatalf("the README has no %s example", typ)
			}
			cfg := filepath.Join(repo, typ+".yaml")
			writeString(t, cfg, base)
			var env []string
			extra := ""
			if typ == "postgres" {
				m := regexp.MustCompile(`(?m)^  dsn_env: (\w+)`).FindStringSubmatch(block)
				if m == nil {
					t.Fatal("the README's postgres example has no dsn_env")
				}
				dsn := srcPGDSN(t)
				env = []string{m[1] + "=" + dsn, "STATEXPORT_SOURCE_TABLE=" + srcPGTable(t, dsn, cols, rows)}
				extra = "  - {name: " + testregister.OrdinalColumn + ", role: drop}\n"
			}
			setSource(t, cfg, block, extra)
			if r := runBin(t, env, "validate", "--config", cfg); r.code != 0 {
				t.Fatalf("validate: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			r := runBin(t, env, "run", "--dry-run", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("dry run: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			if got := srcInputLine(t, r.stdout); got != want {
				t.Errorf("dry run: %q, want %q", got, want)
			}
		})
	}
}

// TestXLSXMissingSheetIsConfigError: `sheet:` naming no sheet of the workbook is a config
// mistake (exit 2) for validate and run, and for inspect's FILE#SHEET a usage one.
func TestXLSXMissingSheetIsConfigError(t *testing.T) {
	names, text := srcRegister(t)
	cols, rows := testregister.FromText(names, text, srcKinds)
	files := srcFiles(t, t.TempDir(), cols, rows)
	ex := newExample(t)
	path := filepath.Join(ex.tmp, "repo/registers", filepath.Base(files["xlsx"]))
	copyFile(t, files["xlsx"], path)
	setSource(t, ex.config, "  type: xlsx\n  path: ../registers/"+filepath.Base(path)+"\n  sheet: NoSuchSheet\n", "")
	for _, args := range [][]string{
		{"validate", "--config", ex.config},
		{"run", "--config", ex.config, "--release", "x1"},
		{"inspect", path + "#NoSuchSheet"},
	} {
		if r := runBin(t, nil, args...); r.code != 2 || !strings.Contains(r.stderr, "sheet not found") {
			t.Errorf("%v: exit %d, want 2 saying the sheet is not found: %s", args[0], r.code, srcLastLine(t, r.stderr))
		}
	}
}
