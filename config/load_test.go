package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestLoadFull loads SPEC's example (plus a public table and a column named with ä) and
// checks every value.
func TestLoadFull(t *testing.T) {
	path := filepath.Join("testdata", "full", "job.yaml")
	job, err := Load(path, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	abs, _ := filepath.Abs(path)
	dir := filepath.Dir(abs)
	data, _ := os.ReadFile(path)
	sum := sha256.Sum256(data)
	yes := true

	want := &Job{
		Job:      "daycare-enrolment",
		Register: Register{Name: "Varhaiskasvatusrekisteri", Controller: "Inkoon kunta", Contact: "varhaiskasvatusjohtaja"},
		Source:   Source{Type: "csv", Path: filepath.Join(dir, "registers/daycare.csv"), Encoding: "auto", Delimiter: "auto", Decimal: "auto"},
		Columns: []Column{
			{Name: "hetu", Role: RolePersonID, Format: "hetu"},
			{Name: "first_name", Role: RoleIdentifier},
			{Name: "last_name", Role: RoleIdentifier},
			{Name: "street", Role: RoleIdentifier},
			{Name: "phone", Role: RoleIdentifier},
			{Name: "email", Role: RoleIdentifier},
			{Name: "notes", Role: RoleDrop},
			{Name: "postal_code", Role: RoleDimension, Width: 5, Generalize: &Generalize{Truncate: 3}},
			{Name: "unit", Role: RoleDimension},
			{Name: "monthly_fee", Role: RoleMeasure},
			{Name: "hours", Role: RoleMeasure},
			{Name: "start_date", Role: RoleDimension, Generalize: &Generalize{Date: "year"}},
			{Name: "Äidinkieli", Role: RoleDimension},
		},
		Derive: map[string]Derived{
			"age_band": {From: "hetu", AgeAt: "period_start", Bands: []int{0, 3, 6, 13, 18, 65}},
			"sex":      {From: "hetu"},
		},
		Consent: Consent{Withdrawn: filepath.Join(dir, "registers/withdrawn.txt")},
		Privacy: Privacy{Epsilon: 1, Delta: 1e-6, Noise: "laplace", MaxPartitionsPerPerson: 1,
			MaxRowsPerPersonPerPartition: 1, MinPersons: 5, MaxRejectedShare: 0.01},
		Budget: Budget{Ledger: filepath.Join(dir, "var/ledger.jsonl"), EpsilonPerPeriod: 4, Period: "year", Timezone: "Europe/Helsinki"},
		Tables: []Table{
			{Name: "enrolment_by_unit_age", GroupBy: []string{"unit", "age_band"}, Partitions: "private", Aggregates: []Aggregate{
				{Kind: AggPersons, Weight: 1},
				{Kind: AggSum, Column: "monthly_fee", Min: 0, Max: 500, Weight: 1},
				{Kind: AggMean, Column: "hours", Min: 0, Max: 60, Weight: 1},
				{Kind: AggQuantiles, Column: "hours", Min: 0, Max: 60, Ranks: []float64{0.5, 0.9}, Weight: 1},
			}},
			{Name: "enrolment_by_postal_area", GroupBy: []string{"postal_code", "sex"}, Partitions: "public",
				PublicValues: []PublicValues{
					{Column: "postal_code", Values: []string{"00100", "3", "021"}},
					{Column: "sex", File: filepath.Join(dir, "sexes.txt"), Values: []string{"female", "male", "unknown"}},
				},
				Aggregates: []Aggregate{
					{Kind: AggPersons, Weight: 1},
					{Kind: AggSum, Column: "monthly_fee", Min: 0, Max: 500, Weight: 2},
				}},
		},
		Output:         Output{Dir: filepath.Join(dir, "out/{job}/{release}"), Compression: "zstd", ErrorBars: &yes},
		Report:         Report{Formats: []string{"json", "html"}, Language: "en", SigningKey: filepath.Join(dir, "keys/report.key")},
		File:           abs,
		Dir:            dir,
		SHA256:         hex.EncodeToString(sum[:]),
		OverriddenKeys: []string{},
	}
	if !reflect.DeepEqual(job, want) {
		gotJSON, _ := json.MarshalIndent(job, "", " ")
		wantJSON, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("loaded job differs\ngot:  %s\nwant: %s", gotJSON, wantJSON)
	}
	if got := job.OutputDir("2026-11-24"); got != filepath.Join(dir, "out/daycare-enrolment/2026-11-24") {
		t.Errorf("OutputDir = %q", got)
	}
	if got := job.Location().String(); got != "Europe/Helsinki" {
		t.Errorf("Location = %q", got)
	}
	if !job.ErrorBarsOn() || !job.HTMLReport() {
		t.Errorf("ErrorBarsOn = %v, HTMLReport = %v, want both true", job.ErrorBarsOn(), job.HTMLReport())
	}
	if id := job.PersonID(); id.Name != "hetu" {
		t.Errorf("PersonID = %+v", id)
	}
	if c, ok := job.Column("Äidinkieli"); !ok || c.Role != RoleDimension {
		t.Errorf("Column(Äidinkieli) = %+v, %v", c, ok)
	}
	if _, ok := job.Column("äidinkieli"); ok {
		t.Error("Column must compare names exactly, not case-insensitively")
	}
}

// TestDefaults loads a config that sets only what has no default.
func TestDefaults(t *testing.T) {
	job, err := loadYAML(t, baseYAML)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key       string
		got, want any
	}{
		{"source.encoding", job.Source.Encoding, "auto"},
		{"source.delimiter", job.Source.Delimiter, "auto"},
		{"source.decimal", job.Source.Decimal, "auto"},
		{"columns[0].format", job.Columns[0].Format, "hetu"},
		{"columns[1].format", job.Columns[1].Format, ""},
		{"derive.age_band.age_at", job.Derive["age_band"].AgeAt, "period_start"},
		{"derive.sex.age_at", job.Derive["sex"].AgeAt, ""},
		{"privacy.noise", job.Privacy.Noise, "laplace"},
		{"privacy.max_partitions_per_person", job.Privacy.MaxPartitionsPerPerson, 1},
		{"privacy.max_rows_per_person_per_partition", job.Privacy.MaxRowsPerPersonPerPartition, 1},
		{"privacy.min_persons", job.Privacy.MinPersons, 5},
		{"privacy.max_rejected_share", job.Privacy.MaxRejectedShare, 0.01},
		{"budget.period", job.Budget.Period, "year"},
		{"budget.timezone", job.Budget.Timezone, ""},
		{"tables[0].partitions", job.Tables[0].Partitions, "private"},
		{"tables[0].aggregates", job.Tables[0].Aggregates, []Aggregate{{Kind: AggPersons, Weight: 1}, {Kind: AggSum, Column: "fee", Min: 0, Max: 100, Weight: 1}}},
		{"output.dir", job.Output.Dir, filepath.Join(job.Dir, "out/{job}/{release}")},
		{"output.compression", job.Output.Compression, "zstd"},
		{"output.error_bars", *job.Output.ErrorBars, true},
		{"report.formats", job.Report.Formats, []string{"json"}},
		{"report.language", job.Report.Language, "en"},
		{"report.signing_key", job.Report.SigningKey, ""},
		{"consent.withdrawn", job.Consent.Withdrawn, ""},
		{"Location", job.Location().String(), "Local"},
		{"HTMLReport", job.HTMLReport(), false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
}

// TestExplicitZeroesKept checks that values equal to a type's zero are not replaced by
// defaults: min_persons 0 and max_rejected_share 0 are meaningful.
func TestExplicitZeroesKept(t *testing.T) {
	job, err := loadYAML(t, mutate(t, "delta: 1e-6", "delta: 1e-6, min_persons: 0, max_rejected_share: 0",
		"budget:", "output: {error_bars: false}\nbudget:"))
	if err != nil {
		t.Fatal(err)
	}
	if job.Privacy.MinPersons != 0 || job.Privacy.MaxRejectedShare != 0 || job.ErrorBarsOn() {
		t.Errorf("min_persons %d, max_rejected_share %g, error bars %v; want 0, 0, false",
			job.Privacy.MinPersons, job.Privacy.MaxRejectedShare, job.ErrorBarsOn())
	}
}

func TestPersonsPlacement(t *testing.T) {
	const agg = "      - {sum: fee, min: 0, max: 100}\n"
	tests := []struct {
		name  string
		edits []string
		want  []Aggregate
	}{
		{"inserted first when absent", nil, []Aggregate{
			{Kind: AggPersons, Weight: 1}, {Kind: AggSum, Column: "fee", Max: 100, Weight: 1}}},
		{"moved first, weight kept", []string{agg, agg + "      - {persons: ~, weight: 3}\n"}, []Aggregate{
			{Kind: AggPersons, Weight: 3}, {Kind: AggSum, Column: "fee", Max: 100, Weight: 1}}},
		{"weight inside persons", []string{agg, agg + "      - {persons: {weight: 0.5}}\n"}, []Aggregate{
			{Kind: AggPersons, Weight: 0.5}, {Kind: AggSum, Column: "fee", Max: 100, Weight: 1}}},
		{"persons: true", []string{agg, "      - {persons: true, weight: 2}\n" + agg}, []Aggregate{
			{Kind: AggPersons, Weight: 2}, {Kind: AggSum, Column: "fee", Max: 100, Weight: 1}}},
		{"already first", []string{agg, "      - persons\n" + agg}, []Aggregate{
			{Kind: AggPersons, Weight: 1}, {Kind: AggSum, Column: "fee", Max: 100, Weight: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job, err := loadYAML(t, mutate(t, tc.edits...))
			if err != nil {
				t.Fatal(err)
			}
			if got := job.Tables[0].Aggregates; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestNamesPreserved checks that column names and values keep their case and ä/ö/å, and
// that values stay strings exactly as written.
func TestNamesPreserved(t *testing.T) {
	y := mutate(t,
		"{name: unit, role: dimension}", "{name: Äidinkieli, role: dimension}",
		"{name: nimi, role: identifier}", "{name: SUKUNIMI_Ö, role: identifier}\n  - {name: Kotikunta Å, role: dimension}",
		"group_by: [unit, age_band]", "group_by: [Äidinkieli, Kotikunta Å]\n    partitions: public\n    public_values:\n"+
			"      - {column: Äidinkieli, values: [Suomi, svenska, \"00100\", 0042, 3, 2.50, true, ÅÄÖ]}\n"+
			"      - {column: Kotikunta Å, values: [Inkoo]}",
	)
	job, err := loadYAML(t, y)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range job.Columns {
		names = append(names, c.Name)
	}
	if want := []string{"hetu", "Äidinkieli", "fee", "SUKUNIMI_Ö", "Kotikunta Å"}; !slices.Equal(names, want) {
		t.Errorf("column names %q, want %q", names, want)
	}
	if want := []string{"Äidinkieli", "Kotikunta Å"}; !slices.Equal(job.Tables[0].GroupBy, want) {
		t.Errorf("group_by %q, want %q", job.Tables[0].GroupBy, want)
	}
	pv := job.Tables[0].PublicValues[0]
	if want := []string{"Suomi", "svenska", "00100", "0042", "3", "2.50", "true", "ÅÄÖ"}; pv.Column != "Äidinkieli" || !slices.Equal(pv.Values, want) {
		t.Errorf("public values %q %q, want %q", pv.Column, pv.Values, want)
	}
}

func TestDuplicateNumericPublicValue(t *testing.T) {
	// "00100" quoted and 00100 unquoted are the same string, so the list has a duplicate.
	_, err := loadYAML(t, mutate(t, "group_by: [unit, age_band]",
		"group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [\"00100\", 00100]}]"))
	errs := configErrors(t, err)
	if len(errs) != 1 || errs[0].Key != "tables[0].public_values[0].values" {
		t.Errorf("got %v, want one duplicate-value problem", err)
	}
}

func TestRelativePaths(t *testing.T) {
	root := t.TempDir()
	y := mutate(t,
		"path: data.csv", "path: ../data/./x.csv",
		"ledger: ledger.jsonl", "ledger: /var/lib/statexport/ledger.jsonl",
		"budget:", "consent: {withdrawn: w.txt}\noutput: {dir: \"out/{job}-{release}\"}\nreport: {signing_key: ../keys/k.key}\nbudget:",
		"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, file: lists/units.txt}]",
	)
	writeFile(t, root, "conf/lists/units.txt", "Kastanja\nSolbacka\n")
	// Load through a relative path too: the result must not depend on how the file is named.
	cfg := writeFile(t, root, "conf/job.yaml", y)
	t.Chdir(root)
	job, err := Load(filepath.Join("conf", "job.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(root, "conf")
	tests := []struct{ name, got, want string }{
		{"File", job.File, cfg},
		{"Dir", job.Dir, conf},
		{"source.path", job.Source.Path, filepath.Join(root, "data", "x.csv")},
		{"budget.ledger", job.Budget.Ledger, "/var/lib/statexport/ledger.jsonl"},
		{"consent.withdrawn", job.Consent.Withdrawn, filepath.Join(conf, "w.txt")},
		{"output.dir", job.Output.Dir, filepath.Join(conf, "out", "{job}-{release}")},
		{"OutputDir", job.OutputDir("r1"), filepath.Join(conf, "out", "j1-r1")},
		{"report.signing_key", job.Report.SigningKey, filepath.Join(root, "keys", "k.key")},
		{"public_values file", job.Tables[0].PublicValues[0].File, filepath.Join(conf, "lists", "units.txt")},
		{"public_values values", strings.Join(job.Tables[0].PublicValues[0].Values, ","), "Kastanja,Solbacka"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPublicValuesFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
		wantMsg string // error message at tables[0].public_values[0].file ("" = no error)
	}{
		{"plain", "a\nb\n", []string{"a", "b"}, ""},
		{"BOM, CRLF, blanks, trimming", "\uFEFF  Kastanja \r\n\r\n\tSolbacka\r\n  \nÅbo", []string{"Kastanja", "Solbacka", "Åbo"}, ""},
		{"inner blanks kept", "Sankt Karins\n", []string{"Sankt Karins"}, ""},
		{"invalid UTF-8 cites the line", "ok\n\nb\xe4d\n", nil, "line 3: not valid UTF-8"},
		{"empty file", "\n\n", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "v.txt", tc.content)
			cfg := writeFile(t, dir, "job.yaml", mutate(t, "group_by: [unit, age_band]",
				"group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, file: v.txt}]"))
			job, err := Load(cfg, nil)
			if tc.wantMsg != "" {
				errs := configErrors(t, err)
				if len(errs) != 1 || errs[0].Key != "tables[0].public_values[0].file" || errs[0].Msg != tc.wantMsg {
					t.Fatalf("got %v, want %q", err, tc.wantMsg)
				}
				if strings.Contains(err.Error(), "b\xe4d") {
					t.Error("the error quotes the file's content")
				}
				return
			}
			if tc.want == nil {
				// no values: Validate must say so
				errs := configErrors(t, err)
				if len(errs) != 1 || errs[0].Key != "tables[0].public_values[0]" {
					t.Fatalf("got %v, want a needs-a-value problem", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := job.Tables[0].PublicValues[0].Values; !slices.Equal(got, tc.want) {
				t.Errorf("values %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	postgres := mutate(t, "{type: csv, path: data.csv}", "{type: postgres, dsn_env: STATEXPORT_DSN, table: t}")
	tests := []struct {
		name        string
		yaml        string
		environ     []string
		wantKeys    []string                  // OverriddenKeys on success
		check       func(*Job) (any, any)     // got, want on success
		wantErrKeys []string                  // Keys of the problems on failure
		forbid      string                    // must not appear in the error
		setup       func(t *testing.T) func() // optional
	}{
		{name: "epsilon", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_EPSILON=0.5", "PATH=/bin"},
			wantKeys: []string{"privacy.epsilon"}, check: func(j *Job) (any, any) { return j.Privacy.Epsilon, 0.5 }},
		{name: "error bars off", yaml: baseYAML, environ: []string{"STATEXPORT_OUTPUT_ERROR_BARS=false"},
			wantKeys: []string{"output.error_bars"}, check: func(j *Job) (any, any) { return j.ErrorBarsOn(), false }},
		{name: "ledger, job and min persons, sorted", yaml: baseYAML,
			environ:  []string{"STATEXPORT_PRIVACY_MIN_PERSONS=0", "STATEXPORT_JOB=other", "STATEXPORT_BUDGET_LEDGER=/x/l.jsonl"},
			wantKeys: []string{"budget.ledger", "job", "privacy.min_persons"},
			check: func(j *Job) (any, any) {
				return []any{j.Budget.Ledger, j.Job, j.Privacy.MinPersons}, []any{"/x/l.jsonl", "other", 0}
			}},
		{name: "relative ledger resolved against the config", yaml: baseYAML, environ: []string{"STATEXPORT_BUDGET_LEDGER=var/l.jsonl"},
			wantKeys: []string{"budget.ledger"},
			check:    func(j *Job) (any, any) { return j.Budget.Ledger, filepath.Join(j.Dir, "var/l.jsonl") }},
		{name: "tab delimiter written as backslash-t", yaml: baseYAML, environ: []string{`STATEXPORT_SOURCE_DELIMITER=\t`},
			wantKeys: []string{"source.delimiter"}, check: func(j *Job) (any, any) { return j.Source.Delimiter, "\t" }},
		{name: "timezone emptied", yaml: mutate(t, "epsilon_per_period: 4", "epsilon_per_period: 4, timezone: UTC"),
			environ: []string{"STATEXPORT_BUDGET_TIMEZONE="}, wantKeys: []string{"budget.timezone"},
			check: func(j *Job) (any, any) { return j.Budget.Timezone, "" }},
		{name: "no variables", yaml: baseYAML, environ: []string{"HOME=/root", "statexport_privacy_epsilon=9"},
			wantKeys: nil, check: func(j *Job) (any, any) { return j.Privacy.Epsilon, 1.0 }},
		{name: "dsn variable exempt", yaml: postgres, environ: []string{"STATEXPORT_DSN=postgres://u:p@h/db"},
			wantKeys: nil, check: func(j *Job) (any, any) { return j.Source.DSNEnv, "STATEXPORT_DSN" }},
		{name: "dsn variable exempt when dsn_env is overridden", yaml: postgres,
			environ:  []string{"STATEXPORT_SOURCE_DSN_ENV=STATEXPORT_OTHER_DSN", "STATEXPORT_OTHER_DSN=x"},
			wantKeys: []string{"source.dsn_env"}, check: func(j *Job) (any, any) { return j.Source.DSNEnv, "STATEXPORT_OTHER_DSN" }},
		{name: "unknown variable", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_EPSILONN=9"},
			wantErrKeys: []string{"STATEXPORT_PRIVACY_EPSILONN"}},
		{name: "dsn variable of a csv job is unknown", yaml: baseYAML, environ: []string{"STATEXPORT_DSN=postgres://u:p@h/db"},
			wantErrKeys: []string{"STATEXPORT_DSN"}, forbid: "postgres://"},
		{name: "non-scalar key is unknown", yaml: baseYAML, environ: []string{"STATEXPORT_REPORT_FORMATS=html"},
			wantErrKeys: []string{"STATEXPORT_REPORT_FORMATS"}},
		{name: "section not overridable", yaml: baseYAML, environ: []string{"STATEXPORT_REGISTER_NAME=X"},
			wantErrKeys: []string{"STATEXPORT_REGISTER_NAME"}},
		{name: "bad number", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_EPSILON=abc-9"},
			wantErrKeys: []string{"STATEXPORT_PRIVACY_EPSILON"}, forbid: "abc-9"},
		{name: "bad whole number", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_MIN_PERSONS=2.5"},
			wantErrKeys: []string{"STATEXPORT_PRIVACY_MIN_PERSONS"}, forbid: "2.5"},
		{name: "bad bool", yaml: baseYAML, environ: []string{"STATEXPORT_OUTPUT_ERROR_BARS=maybe"},
			wantErrKeys: []string{"STATEXPORT_OUTPUT_ERROR_BARS"}, forbid: "maybe"},
		{name: "every problem reported", yaml: baseYAML, environ: []string{"STATEXPORT_X=1", "STATEXPORT_PRIVACY_DELTA=x"},
			wantErrKeys: []string{"STATEXPORT_PRIVACY_DELTA", "STATEXPORT_X"}},
		{name: "override validated", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_EPSILON=-1"},
			wantErrKeys: []string{"privacy.epsilon"}},
		{name: "override above the period budget", yaml: baseYAML, environ: []string{"STATEXPORT_PRIVACY_EPSILON=4.5"},
			wantErrKeys: []string{"privacy.epsilon"}},
		{name: "CLI variable allowed", yaml: baseYAML, environ: []string{"STATEXPORT_TEST_CLI=1"},
			setup: func(t *testing.T) func() {
				CLIEnv["STATEXPORT_TEST_CLI"] = true
				return func() { delete(CLIEnv, "STATEXPORT_TEST_CLI") }
			},
			wantKeys: nil, check: func(j *Job) (any, any) { return j.Job, "j1" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				defer tc.setup(t)()
			}
			job, err := loadYAML(t, tc.yaml, tc.environ...)
			if tc.wantErrKeys != nil {
				if got := keys(configErrors(t, err)); !slices.Equal(got, tc.wantErrKeys) {
					t.Fatalf("error keys %q, want %q (%v)", got, tc.wantErrKeys, err)
				}
				if tc.forbid != "" && strings.Contains(err.Error(), tc.forbid) {
					t.Errorf("error quotes the value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(job.OverriddenKeys, tc.wantKeys) {
				t.Errorf("OverriddenKeys %q, want %q", job.OverriddenKeys, tc.wantKeys)
			}
			if got, want := tc.check(job); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

// TestOverridableKeys pins the variables derived from the struct tags, so a new field or a
// renamed tag shows up here.
func TestOverridableKeys(t *testing.T) {
	var got []string
	for name, k := range overridable() {
		if name != EnvPrefix+strings.ToUpper(strings.ReplaceAll(k.key, ".", "_")) {
			t.Errorf("%s sets %s", name, k.key)
		}
		got = append(got, k.key)
	}
	slices.Sort(got)
	want := []string{
		"budget.epsilon_per_period", "budget.ledger", "budget.period", "budget.timezone", "job",
		"output.compression", "output.dir", "output.error_bars",
		"privacy.delta", "privacy.epsilon", "privacy.max_partitions_per_person", "privacy.max_rejected_share",
		"privacy.max_rows_per_person_per_partition", "privacy.min_persons", "privacy.noise",
		"report.language", "report.signing_key",
		"source.decimal", "source.delimiter", "source.dsn_env", "source.encoding", "source.path",
		"source.query", "source.sheet", "source.table", "source.type",
	}
	if !slices.Equal(got, want) {
		t.Errorf("overridable keys\ngot  %q\nwant %q", got, want)
	}
}

func TestEffective(t *testing.T) {
	path := filepath.Join("testdata", "full", "job.yaml")
	a, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := json.Marshal(a.Effective())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // map order is random: the bytes must not be
		b, _ := Load(path, nil)
		again, _ := json.Marshal(b.Effective())
		if !bytes.Equal(first, again) {
			t.Fatalf("Effective is not deterministic:\n%s\n%s", first, again)
		}
	}
	eff := a.Effective()
	aggs := eff["tables"].([]any)[0].(map[string]any)["aggregates"]
	wantAggs := []any{
		"persons",
		map[string]any{"sum": "monthly_fee", "min": 0.0, "max": 500.0, "weight": 1.0},
		map[string]any{"mean": "hours", "min": 0.0, "max": 60.0, "weight": 1.0},
		map[string]any{"quantiles": "hours", "min": 0.0, "max": 60.0, "weight": 1.0, "ranks": []any{0.5, 0.9}},
	}
	if !reflect.DeepEqual(aggs, wantAggs) {
		t.Errorf("aggregates %#v\nwant %#v", aggs, wantAggs)
	}
	for _, k := range []string{"File", "Dir", "SHA256", "OverriddenKeys", "file", "dir"} {
		if _, ok := eff[k]; ok {
			t.Errorf("effective config holds loader field %q", k)
		}
	}
	if got := eff["budget"].(map[string]any)["ledger"]; got != a.Budget.Ledger || !filepath.IsAbs(a.Budget.Ledger) {
		t.Errorf("budget.ledger %v, want the absolute %q", got, a.Budget.Ledger)
	}
	if got := eff["columns"].([]any)[12].(map[string]any)["name"]; got != "Äidinkieli" {
		t.Errorf("column name %v", got)
	}

	// Overrides are reflected.
	o, err := Load(path, []string{"STATEXPORT_PRIVACY_EPSILON=0.25", "STATEXPORT_OUTPUT_ERROR_BARS=false"})
	if err != nil {
		t.Fatal(err)
	}
	oe := o.Effective()
	if got := oe["privacy"].(map[string]any)["epsilon"]; got != 0.25 {
		t.Errorf("overridden epsilon %v, want 0.25", got)
	}
	if got := oe["output"].(map[string]any)["error_bars"]; got != false {
		t.Errorf("overridden error_bars %v, want false", got)
	}
	if ob, _ := json.Marshal(oe); bytes.Equal(ob, first) {
		t.Error("overrides do not change the effective config")
	}
}

func TestEffectivePersonsWeight(t *testing.T) {
	got := aggregateYAML(Aggregate{Kind: AggPersons, Weight: 2})
	want := map[string]any{"persons": nil, "weight": 2.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestEffectiveExcludesSecrets(t *testing.T) {
	type section struct {
		DSN      string `mapstructure:"dsn"`
		Password string `mapstructure:"password"`
		Host     string `mapstructure:"host"`
	}
	type cfg struct {
		Source section            `mapstructure:"source"`
		Extra  map[string]string  `mapstructure:"extra"`
		Hidden string             `mapstructure:"-"`
		Nested map[string]section `mapstructure:"nested"`
	}
	in := cfg{
		Source: section{DSN: "postgres://u:pw@h/db", Password: "pw", Host: "h"},
		Extra:  map[string]string{"password": "pw", "user": "u"},
		Hidden: "x",
		Nested: map[string]section{"a": {DSN: "d", Host: "h2"}},
	}
	got := effective(reflect.ValueOf(in))
	want := map[string]any{
		"source": map[string]any{"host": "h"},
		"extra":  map[string]any{"user": "u"},
		"nested": map[string]any{"a": map[string]any{"host": "h2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestYAMLSyntaxErrors(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantLine string
	}{
		{"bad indentation", "job: j1\nregister:\n  name: R\n bad: SECRET-VALUE-123\n", "line 3"},
		{"unclosed quote", "job: \"SECRET-VALUE-123\nregister: {name: R}\n", "line "},
		{"tab indentation", "job: j1\nregister:\n\tname: SECRET-VALUE-123\n", "line 3"},
		{"unknown anchor", "job: *SECRET-VALUE-123\n", ""},
		{"flow mapping broken", "columns: [{name: SECRET-VALUE-123, role: }\n", "line"},
		{"two documents", "job: j1\n---\njob: SECRET-VALUE-123\n", "line 2"},
		{"empty", "", ""},
		{"only a comment", "# nothing\n", ""},
		{"top level list", "- SECRET-VALUE-123\n", "line 1"},
		{"top level scalar", "SECRET-VALUE-123\n", "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, tc.yaml)
			errs := configErrors(t, err)
			if len(errs) != 1 || errs[0].Key != "" {
				t.Fatalf("got %v, want one problem without a key", err)
			}
			msg := errs[0].Msg
			if !strings.HasPrefix(msg, "job.yaml") || !strings.Contains(msg, tc.wantLine) {
				t.Errorf("message %q does not name the file and %q", msg, tc.wantLine)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("message quotes the content: %q", msg)
			}
		})
	}
}

func TestConfigFileMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	errs := configErrors(t, err)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "does not exist") {
		t.Errorf("got %v", err)
	}
}

// TestErrorsDoNotQuoteValues plants a marker in value positions that fail and checks that
// no message repeats it.
func TestErrorsDoNotQuoteValues(t *testing.T) {
	for i, tmpl := range valueTemplates {
		y := strings.Replace(tmpl, "@", `"SECRET-VALUE-123"`, 1)
		_, err := loadYAML(t, y)
		if err == nil {
			t.Errorf("template %d: Load succeeded, want an error", i)
			continue
		}
		configErrors(t, err)
		if strings.Contains(err.Error(), "SECRET-VALUE-123") {
			t.Errorf("template %d: error quotes the value: %v", i, err)
		}
	}
}

func TestReleaseOf(t *testing.T) {
	for _, c := range []struct {
		tmpl, job, dir string
		want           string // "" when dir is not the job's
	}{
		{"/srv/out/{job}/{release}", "daycare", "/srv/out/daycare/2026-11-24", "2026-11-24"},
		{"/srv/out/{job}/{release}", "daycare", "/srv/out/daycare/K5/", "K5"},
		{"/srv/out/{job}/{release}", "daycare", "/srv/out/schools/2026-11-24", ""},
		{"/srv/out/{job}/{release}", "daycare", "/srv/out/daycare/.hidden", ""},
		{"/srv/out/{job}/{release}", "daycare", "/srv/out/daycare/a/b", ""},
		{"/srv/out/{release}-{job}", "daycare", "/srv/out/r1-daycare", "r1"},
		{"/srv/out/{release}-{job}", "daycare", "/srv/out/r1-schools", ""},
		{"/srv/out/{job}", "daycare", "/srv/out/daycare", ""},
		{"/srv/out/{release}/{release}", "daycare", "/srv/out/r1/r1", ""},
	} {
		j := &Job{Job: c.job, Output: Output{Dir: c.tmpl}}
		got, ok := j.ReleaseOf(c.dir)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s with %s: ReleaseOf(%s) = %q, %v; want %q", c.tmpl, c.job, c.dir, got, ok, c.want)
		}
	}
}
