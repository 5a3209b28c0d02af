package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/statexport/statexport/connectors/inspect"
	"github.com/statexport/statexport/connectors/testregister"
)

// `statexport inspect` end to end: on each of the example register's sources it prints a draft
// that validates once its example table is renamed, suggests the safe roles for the
// register's identifiers, and never prints a value of the register; its exit codes follow
// SPEC.md (0 printed, 1 unreadable data, 2 usage).

// inspectRoles returns the draft's `columns:` entries as name → the rest of the entry
// ("role: identifier", "role: person_id, format: hetu"…).
func inspectRoles(t *testing.T, draft string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^  - \{name: ("(?:[^"\\]|\\.)*"), (role: .*)\}$`)
	roles := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(draft, -1) {
		var name string
		if err := json.Unmarshal([]byte(m[1]), &name); err != nil {
			t.Fatalf("draft column name %s is not a quoted string", m[1])
		}
		roles[name] = m[2]
	}
	return roles
}

// assertNothingIdentifying fails if stdout or stderr of runs hold a direct identifier of the
// example register (or one of extra), without printing it.
func assertNothingIdentifying(t *testing.T, ids []string, runs ...result) {
	t.Helper()
	for i, r := range runs {
		all := r.stdout + "\n" + r.stderr
		for _, id := range ids {
			if strings.Contains(all, id) {
				t.Errorf("run %d printed an identifier of the register (%d chars)", i, len(id))
				break
			}
		}
	}
}

// TestInspectDraftsValidate: inspect on the example register as CSV, JSONL, Parquet, XLSX (the
// first sheet, and a sheet named with FILE#SHEET) and PostgreSQL (DSN_ENV:TABLE and
// DSN_ENV:SELECT ...) exits 0 with a draft that `validate` accepts once the example table is
// renamed — nothing else is edited — and whose roles drop every identifier.
func TestInspectDraftsValidate(t *testing.T) {
	names, text := srcRegister(t)
	cols, rows := testregister.FromText(names, text, srcKinds)
	ids := registerIdentifiers(t)
	regDir := t.TempDir()
	files := srcFiles(t, regDir, cols, rows)
	files["csv"] = filepath.Join(regDir, "daycare.csv")
	copyFile(t, filepath.Join(repoRoot(t), "testdata/registers/daycare.csv"), files["csv"])

	// The roles every draft must suggest for the register's own columns.
	want := map[string]string{
		"hetu": "role: person_id, format: hetu", "first_name": "role: identifier", "last_name": "role: identifier",
		"street": "role: identifier", "phone": "role: identifier", "email": "role: identifier", "notes": "role: drop",
		"unit": "role: dimension", "monthly_fee": "role: measure", "hours": "role: measure",
		"start_date":  "role: dimension, generalize: {date: year}",
		"postal_code": "role: dimension, width: 5, generalize: {truncate: 3}",
	}

	type source struct {
		name   string
		args   []string // inspect's arguments
		typ    string   // source.type the draft must carry
		pg     bool
		extra  []string // further columns the source has
		sheet  string   // source.sheet the draft must carry
		source string   // a line the draft's source block must hold
	}
	sources := []source{
		{name: "csv", args: []string{files["csv"]}, typ: "csv", source: "  encoding: auto"},
		{name: "csv declared", args: []string{files["csv"], "--encoding", "windows-1252", "--delimiter", ";"}, typ: "csv", source: "  encoding: windows-1252"},
		{name: "jsonl", args: []string{files["jsonl"]}, typ: "jsonl"},
		{name: "parquet", args: []string{files["parquet"]}, typ: "parquet"},
		{name: "xlsx first sheet", args: []string{files["xlsx"]}, typ: "xlsx"},
		{name: "xlsx named sheet", args: []string{files["xlsx"] + "#" + srcSheet}, typ: "xlsx", sheet: srcSheet},
		{name: "jsonl by --format", args: []string{copyAs(t, files["jsonl"], "extract.dat"), "--format", "jsonl"}, typ: "jsonl"},
		{name: "postgres table", typ: "postgres", pg: true, extra: []string{testregister.OrdinalColumn}},
		{name: "postgres query", typ: "postgres", pg: true},
	}
	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) {
			var secrets []string
			if s.pg {
				dsn := srcPGDSN(t)
				secrets = srcDSNSecrets(dsn)
				table := srcPGTable(t, dsn, cols, rows)
				if strings.HasSuffix(s.name, "table") {
					s.args = []string{"PG_TEST_DSN:" + table}
					s.source = "  table: \"" + table + "\""
				} else {
					s.args = []string{"PG_TEST_DSN:" + testregister.OrderedQuery(table, cols), "--format", "postgres"}
					s.source = "  query: "
				}
			}
			dir := t.TempDir()
			r := runBin(t, nil, append([]string{"inspect"}, s.args...)...)
			runs := []result{r}
			if r.code != 0 {
				t.Fatalf("inspect: exit %d: %s", r.code, srcLastLine(t, r.stderr))
			}
			draft := r.stdout
			if !strings.HasPrefix(draft, "# Draft job config written by `statexport inspect`") {
				t.Fatalf("inspect printed no draft (%d bytes on stdout)", len(draft))
			}
			for _, line := range []string{"  type: " + s.typ + "\n", s.source} {
				if !strings.Contains(draft, line) {
					t.Errorf("the draft's source block lacks %q", line)
				}
			}
			if s.sheet != "" && !strings.Contains(draft, "  sheet: \""+s.sheet+"\"\n") {
				t.Errorf("the draft does not name the sheet %s", s.sheet)
			}
			if s.pg && !strings.Contains(draft, "  dsn_env: PG_TEST_DSN ") {
				t.Errorf("the draft does not name the DSN's variable")
			}
			roles := inspectRoles(t, draft)
			if len(roles) != len(want)+len(s.extra) {
				t.Errorf("the draft has %d columns, want %d", len(roles), len(want)+len(s.extra))
			}
			for name, role := range want {
				if roles[name] != role {
					t.Errorf("column %s: suggested %q, want %q", name, roles[name], role)
				}
			}
			for _, name := range s.extra {
				if _, ok := roles[name]; !ok {
					t.Errorf("the draft lacks column %s", name)
				}
			}

			// Rename the table — the one edit — and validate where the draft was saved.
			const table = "  - name: " + inspect.ExampleTable + " "
			if strings.Count(draft, table) != 1 {
				t.Fatalf("the draft does not have exactly one table named %s", inspect.ExampleTable)
			}
			cfg := filepath.Join(dir, "draft.yaml")
			writeString(t, cfg, strings.Replace(draft, table, "  - name: enrolment_draft ", 1))
			before := snapshot(t, dir)
			v := runBin(t, nil, "validate", "--config", cfg)
			runs = append(runs, v)
			if v.code != 0 {
				t.Errorf("validate of the draft: exit %d: %s", v.code, srcLastLine(t, v.stderr))
			} else if !strings.Contains(v.stdout, "table enrolment_draft") {
				t.Errorf("validate printed no plan for the renamed table (%d bytes on stdout)", len(v.stdout))
			}
			if !sameSnapshot(before, snapshot(t, dir)) {
				t.Errorf("validate wrote into the draft's directory")
			}
			assertNothingIdentifying(t, append(ids, secrets...), runs...)
		})
	}
}

// copyAs copies a file to a sibling named name and returns its path.
func copyAs(t *testing.T, from, name string) string {
	t.Helper()
	to := filepath.Join(filepath.Dir(from), name)
	copyFile(t, from, to)
	return to
}

// TestInspectExitCodes: 0 printed, 1 unreadable data (a missing file of any format, a
// malformed or headerless extract), 2 usage (no or two SOURCEs, an unknown --format or
// extension, an option the format does not take, an unset DSN variable). Neither stream of any
// of these runs holds a value of the register.
func TestInspectExitCodes(t *testing.T) {
	dir := t.TempDir()
	names, text := srcRegister(t)
	ids := registerIdentifiers(t)

	// A headerless extract: its first record (every field non-empty and distinct) is taken
	// for the header. The CSV is UTF-8, ';'.
	var headerless []string
	for _, row := range text {
		seen := map[string]bool{}
		for _, v := range row {
			seen[v] = v != ""
		}
		if len(seen) == len(row) && !seen[""] && !strings.ContainsAny(strings.Join(row, ""), "\";\n") {
			headerless = append(headerless, strings.Join(row, ";"))
		}
		if len(headerless) == 20 {
			break
		}
	}
	if len(headerless) < 20 {
		t.Fatalf("found %d rows for a headerless extract, want 20", len(headerless))
	}
	writeString(t, filepath.Join(dir, "headerless.csv"), strings.Join(headerless, "\n")+"\n")
	// A malformed extract: the header, then records with an unterminated quote on line 3.
	malformed := strings.Join(names, ";") + "\n" + headerless[0] + "\n\"" + headerless[1] + "\n" + headerless[2] + "\n"
	writeString(t, filepath.Join(dir, "malformed.csv"), malformed)
	writeString(t, filepath.Join(dir, "extract.dat"), strings.Join(names, ";")+"\n"+headerless[0]+"\n")
	writeString(t, filepath.Join(dir, "good.csv"), strings.Join(names, ";")+"\n"+strings.Join(headerless, "\n")+"\n")

	p := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stderr string // a phrase stderr must hold
	}{
		{"a readable extract", []string{p("good.csv")}, nil, 0, ""},
		{"missing csv", []string{p("missing.csv")}, nil, 1, "no such file"},
		{"missing xlsx", []string{p("missing.xlsx")}, nil, 1, "no such file"},
		{"missing xlsx with a sheet", []string{p("missing.xlsx") + "#" + srcSheet}, nil, 1, "no such file"},
		{"missing parquet", []string{p("missing.parquet")}, nil, 1, "no such file"},
		{"missing jsonl", []string{p("missing.jsonl")}, nil, 1, "no such file"},
		{"malformed csv", []string{p("malformed.csv")}, nil, 1, "malformed.csv:3"},
		{"headerless csv", []string{p("headerless.csv")}, nil, 1, "column 1"},
		{"unknown --format", []string{p("good.csv"), "--format", "xml"}, nil, 2, "--format"},
		{"unknown extension", []string{p("extract.dat")}, nil, 2, "--format"},
		{"--format for an unknown extension", []string{p("extract.dat"), "--format", "csv"}, nil, 0, ""},
		{"no SOURCE", nil, nil, 2, "SOURCE"},
		{"two SOURCEs", []string{p("good.csv"), p("good.csv")}, nil, 2, "SOURCE"},
		{"--encoding for parquet", []string{p("missing.parquet"), "--encoding", "utf-8"}, nil, 2, "--encoding"},
		{"unknown --encoding", []string{p("good.csv"), "--encoding", "latin-9"}, nil, 2, "--encoding"},
		{"unknown flag", []string{p("good.csv"), "--sheet", "x"}, nil, 2, ""},
		{"unset DSN variable", []string{"SX_INSPECT_UNSET_DSN:daycare"}, nil, 2, "SX_INSPECT_UNSET_DSN"},
		{"STATEXPORT_ DSN variable", []string{"STATEXPORT_DSN:daycare"}, []string{"STATEXPORT_DSN=x"}, 2, "DSN_ENV"},
	}
	var runs []result
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, c.env, append([]string{"inspect"}, c.args...)...)
			runs = append(runs, r)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d: %s", r.code, c.code, srcLastLine(t, r.stderr))
			}
			if c.code == 0 {
				if !strings.HasPrefix(r.stdout, "# Draft job config") {
					t.Errorf("exit 0 without a draft")
				}
				return
			}
			if r.stdout != "" {
				t.Errorf("a failed inspect printed %d bytes on stdout", len(r.stdout))
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr does not mention %q: %s", c.stderr, srcLastLine(t, r.stderr))
			}
		})
	}
	// Values of the extracts above (the headerless header included) never appear.
	var values []string
	for _, row := range headerless {
		for _, v := range strings.Split(row, ";") {
			if len(v) >= 6 {
				values = append(values, v)
			}
		}
	}
	sort.Strings(values)
	assertNothingIdentifying(t, append(ids, values...), runs...)
	if _, err := os.Stat(filepath.Join(dir, "var")); err == nil {
		t.Errorf("inspect wrote a ledger directory")
	}
}
