package config

import (
	"slices"
	"strings"
	"testing"
)

func TestLoadInvalid(t *testing.T) {
	const secondTable = "      - {sum: fee, min: 0, max: 100}\n"
	tests := []struct {
		name    string
		edits   []string // old, new pairs applied to baseYAML
		wantKey string   // the Key of one of the problems
		wantMsg string   // a substring of that problem's message ("" = any)
	}{
		{"job empty", []string{"job: j1", `job: ""`}, "job", "is required"},
		{"job bad start", []string{"job: j1", `job: "-j"`}, "job", "must start with a letter or digit"},
		{"job slash", []string{"job: j1", `job: a/b`}, "job", ""},
		{"job not a string", []string{"job: j1", `job: [a]`}, "job", "expected a string"},
		{"register name missing", []string{"register: {name: R}", "register: {controller: C}"}, "register.name", "is required"},
		{"source type unknown", []string{"type: csv", "type: xls"}, "source.type", "csv | xlsx"},
		{"source type missing", []string{"type: csv, ", ""}, "source.type", "is required"},
		{"file source without path", []string{"{type: csv, path: data.csv}", "{type: parquet}"}, "source.path", "is required"},
		{"postgres without dsn_env", []string{"{type: csv, path: data.csv}", "{type: postgres, table: t}"}, "source.dsn_env", ""},
		{"postgres table and query", []string{"{type: csv, path: data.csv}", "{type: postgres, dsn_env: DSN, table: t, query: q}"}, "source", "exactly one of table or query"},
		{"postgres neither table nor query", []string{"{type: csv, path: data.csv}", "{type: postgres, dsn_env: DSN}"}, "source", "exactly one of table or query"},
		{"postgres dsn_env is an override", []string{"{type: csv, path: data.csv}", "{type: postgres, dsn_env: STATEXPORT_PRIVACY_EPSILON, table: t}"}, "source.dsn_env", "override"},
		{"dsn_env on csv", []string{"path: data.csv}", "path: data.csv, dsn_env: DSN}"}, "source.dsn_env", "only for a postgres source"},
		{"sheet on csv", []string{"path: data.csv}", "path: data.csv, sheet: S}"}, "source.sheet", "only for an xlsx source"},
		{"encoding unknown", []string{"path: data.csv}", "path: data.csv, encoding: latin-1}"}, "source.encoding", "windows-1252"},
		{"delimiter unknown", []string{"path: data.csv}", `path: data.csv, delimiter: ":"}`}, "source.delimiter", `\t`},
		{"decimal unknown", []string{"path: data.csv}", `path: data.csv, decimal: "'"}`}, "source.decimal", ""},
		{"no person_id", []string{"{name: hetu, role: person_id}", "{name: hetu, role: identifier}"}, "columns", "exactly one column must have role person_id (found 0)"},
		{"two person_ids", []string{"{name: nimi, role: identifier}", "{name: nimi, role: person_id}"}, "columns", "(found 2)"},
		{"no columns", []string{"columns:\n  - {name: hetu, role: person_id}\n  - {name: unit, role: dimension}\n  - {name: fee, role: measure}\n  - {name: nimi, role: identifier}\n", "columns: []\n"}, "columns", "is required"},
		{"duplicate column name", []string{"{name: nimi, role: identifier}", "{name: unit, role: identifier}"}, "columns[3].name", "columns[1]"},
		{"empty column name", []string{"{name: nimi,", `{name: "",`}, "columns[3].name", "is required"},
		{"unknown role", []string{"{name: nimi, role: identifier}", "{name: nimi, role: secret}"}, "columns[3].role", "person_id | identifier"},
		{"format on a dimension", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, format: any}"}, "columns[1].format", "only for the person_id column"},
		{"unknown id format", []string{"{name: hetu, role: person_id}", "{name: hetu, role: person_id, format: ssn}"}, "columns[0].format", "hetu | any"},
		{"negative width", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, width: -1}"}, "columns[1].width", ">= 0"},
		{"width on a measure", []string{"{name: fee, role: measure}", "{name: fee, role: measure, width: 3}"}, "columns[2].width", "only for dimension columns"},
		{"width not a number", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, width: wide}"}, "columns[1].width", "expected a whole number"},
		{"generalize on a measure", []string{"{name: fee, role: measure}", "{name: fee, role: measure, generalize: {truncate: 2}}"}, "columns[2].generalize", "only for dimension columns"},
		{"generalize both", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {truncate: 2, date: year}}"}, "columns[1].generalize", "not both"},
		{"generalize neither", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {truncate: 0}}"}, "columns[1].generalize", "needs truncate"},
		{"generalize bad date", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {date: week}}"}, "columns[1].generalize.date", "year | quarter | month"},
		{"generalize negative truncate", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {truncate: -2}}"}, "columns[1].generalize.truncate", "> 0"},
		{"derived name not snake case", []string{"  sex: {from: hetu}", "  Sex: {from: hetu}"}, "derive.Sex", "lower_snake_case"},
		{"derived name with digit first", []string{"  sex: {from: hetu}", "  1sex: {from: hetu}"}, "derive.1sex", "lower_snake_case"},
		{"derived from not the id", []string{"age_band: {from: hetu,", "age_band: {from: unit,"}, "derive.age_band.from", "person_id"},
		{"derived from an any id", []string{"{name: hetu, role: person_id}", "{name: hetu, role: person_id, format: any}"}, "derive.sex.from", "format hetu"},
		{"bands not ascending", []string{"bands: [0, 18, 65]", "bands: [0, 18, 18]"}, "derive.age_band.bands[2]", "strictly ascending"},
		{"bands negative", []string{"bands: [0, 18, 65]", "bands: [-1, 18, 65]"}, "derive.age_band.bands[0]", ">= 0"},
		{"bands empty", []string{"bands: [0, 18, 65]", "bands: []"}, "derive.age_band.bands", "must not be empty"},
		{"bands not numbers", []string{"bands: [0, 18, 65]", "bands: [0, x]"}, "derive.age_band.bands[1]", "expected a whole number"},
		{"age_at not a date", []string{"bands: [0, 18, 65]", "bands: [0, 18, 65], age_at: 2024-13-01"}, "derive.age_band.age_at", "yyyy-mm-dd"},
		{"age_at on sex", []string{"sex: {from: hetu}", "sex: {from: hetu, age_at: 2024-01-01}"}, "derive.sex.age_at", "only with bands"},
		{"derived shadows a column", []string{"  sex: {from: hetu}", "  unit: {from: hetu}"}, "derive.unit", "same name"},
		{"epsilon zero", []string{"epsilon: 1,", "epsilon: 0,"}, "privacy.epsilon", "must be > 0"},
		{"epsilon negative", []string{"epsilon: 1,", "epsilon: -1,"}, "privacy.epsilon", "must be > 0"},
		{"epsilon infinite", []string{"epsilon: 1,", "epsilon: .inf,"}, "privacy.epsilon", "expected a number"},
		{"epsilon NaN", []string{"epsilon: 1,", "epsilon: NaN,"}, "privacy.epsilon", "finite"},
		{"epsilon not a number", []string{"epsilon: 1,", "epsilon: lots,"}, "privacy.epsilon", "expected a number"},
		{"epsilon above period budget", []string{"epsilon: 1,", "epsilon: 5,"}, "privacy.epsilon", "<= budget.epsilon_per_period"},
		{"delta one", []string{"delta: 1e-6", "delta: 1"}, "privacy.delta", "[0, 1)"},
		{"delta zero with private table", []string{"delta: 1e-6", "delta: 0"}, "privacy.delta", "must be > 0 when"},
		{"noise unknown", []string{"delta: 1e-6", "delta: 1e-6, noise: cauchy"}, "privacy.noise", "laplace | gaussian"},
		{"max partitions zero", []string{"delta: 1e-6", "delta: 1e-6, max_partitions_per_person: 0"}, "privacy.max_partitions_per_person", ">= 1"},
		{"max rows zero", []string{"delta: 1e-6", "delta: 1e-6, max_rows_per_person_per_partition: 0"}, "privacy.max_rows_per_person_per_partition", ">= 1"},
		{"min persons negative", []string{"delta: 1e-6", "delta: 1e-6, min_persons: -1"}, "privacy.min_persons", ">= 0"},
		{"min persons fractional", []string{"delta: 1e-6", "delta: 1e-6, min_persons: 2.5"}, "privacy.min_persons", "expected a whole number"},
		{"rejected share above one", []string{"delta: 1e-6", "delta: 1e-6, max_rejected_share: 1.5"}, "privacy.max_rejected_share", "[0, 1]"},
		{"privacy not a mapping", []string{"privacy: {epsilon: 1, delta: 1e-6}", "privacy: 5"}, "privacy", "expected a mapping"},
		{"ledger missing", []string{"ledger: ledger.jsonl, ", ""}, "budget.ledger", "is required"},
		{"period budget zero", []string{"epsilon_per_period: 4", "epsilon_per_period: 0"}, "budget.epsilon_per_period", "> 0"},
		{"period unknown", []string{"epsilon_per_period: 4", "epsilon_per_period: 4, period: week"}, "budget.period", "year | quarter | month"},
		{"timezone unknown", []string{"epsilon_per_period: 4", "epsilon_per_period: 4, timezone: Mars/Olympus"}, "budget.timezone", "IANA"},
		{"no tables", []string{"tables:\n  - name: t1\n    group_by: [unit, age_band]\n    aggregates:\n      - {sum: fee, min: 0, max: 100}\n", "tables: []\n"}, "tables", "at least one table"},
		{"tables not a list", []string{"tables:\n  - name: t1\n    group_by: [unit, age_band]\n    aggregates:\n      - {sum: fee, min: 0, max: 100}\n", "tables: t1\n"}, "tables", "expected a list"},
		{"table name upper case", []string{"name: t1", "name: T1"}, "tables[0].name", "must hold only lower-case"},
		{"table name duplicate", []string{secondTable, secondTable + "  - {name: t1, group_by: [unit]}\n"}, "tables[1].name", "tables[0]"},
		{"group_by empty", []string{"group_by: [unit, age_band]", "group_by: []"}, "tables[0].group_by", "at least one"},
		{"group_by duplicate", []string{"group_by: [unit, age_band]", "group_by: [unit, unit]"}, "tables[0].group_by[1]", "listed twice"},
		{"group_by a measure", []string{"group_by: [unit, age_band]", "group_by: [fee]"}, "tables[0].group_by[0]", "dimension column or a derived column"},
		{"group_by unknown column", []string{"group_by: [unit, age_band]", "group_by: [unit, kunta]"}, "tables[0].group_by[1]", "dimension column or a derived column"},
		{"partitions unknown", []string{"group_by: [unit, age_band]", "group_by: [unit, age_band]\n    partitions: open"}, "tables[0].partitions", "private | public"},
		{"public without values", []string{"group_by: [unit, age_band]", "group_by: [unit, age_band]\n    partitions: public"}, "tables[0].group_by[0]", "public_values for every group_by column"},
		{"public_values on a private table", []string{"group_by: [unit, age_band]", "group_by: [unit, age_band]\n    public_values: [{column: unit, values: [a]}]"}, "tables[0].public_values", "only for tables with partitions: public"},
		{"public_values for a non group_by column", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a]}, {column: age_band, values: [0-17]}]"}, "tables[0].public_values[1].column", "group_by column"},
		{"public_values column twice", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a]}, {column: unit, values: [b]}]"}, "tables[0].public_values[1].column", "already listed"},
		{"public_values duplicate value", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a, b, a]}]"}, "tables[0].public_values[0].values", "value 3 duplicates"},
		{"public_values empty", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: []}]"}, "tables[0].public_values[0]", "at least one value"},
		{"public_values empty string", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a, \"\"]}]"}, "tables[0].public_values[0].values[1]", "must not be empty"},
		{"public_values values and file", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a], file: v.txt}]"}, "tables[0].public_values[0]", "not both"},
		{"public_values file missing", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, file: nowhere.txt}]"}, "tables[0].public_values[0].file", "does not exist"},
		{"public_values file is a directory", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, file: /}]"}, "tables[0].public_values[0].file", "regular file"},
		{"sum of a dimension", []string{"{sum: fee,", "{sum: unit,"}, "tables[0].aggregates[0].sum", "measure column"},
		{"sum of nothing", []string{"{sum: fee,", "{sum: ~,"}, "tables[0].aggregates[0].sum", "name of a measure column"},
		{"min above max", []string{"min: 0, max: 100}", "min: 10, max: 1}"}, "tables[0].aggregates[0]", "min must be <= max"},
		{"mean with min equal max", []string{"{sum: fee, min: 0, max: 100}", "{mean: fee, min: 5, max: 5}"}, "tables[0].aggregates[0]", "min < max"},
		{"quantiles with min equal max", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [0.5], min: 5, max: 5}"}, "tables[0].aggregates[0]", "min < max"},
		{"max missing", []string{"{sum: fee, min: 0, max: 100}", "{sum: fee, min: 0}"}, "tables[0].aggregates[0]", "needs min and max"},
		{"max infinite", []string{"min: 0, max: 100}", "min: 0, max: Inf}"}, "tables[0].aggregates[0]", "finite"},
		{"rank out of range", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [0.5, 1], min: 0, max: 100}"}, "tables[0].aggregates[0].ranks[1]", "within [0.005, 0.995]"},
		{"rank listed twice", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [0.5, 0.5], min: 0, max: 100}"}, "tables[0].aggregates[0].ranks[1]", "listed twice"},
		{"ranks empty", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [], min: 0, max: 100}"}, "tables[0].aggregates[0].ranks", "at least one rank"},
		{"ranks missing", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, min: 0, max: 100}"}, "tables[0].aggregates[0].ranks", "quantiles need ranks"},
		{"ranks on a sum", []string{"{sum: fee, min: 0, max: 100}", "{sum: fee, ranks: [0.5], min: 0, max: 100}"}, "tables[0].aggregates[0].ranks", "only quantiles"},
		{"rank not a number", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [half], min: 0, max: 100}"}, "tables[0].aggregates[0].ranks[0]", "expected a number"},
		{"weight zero", []string{"min: 0, max: 100}", "min: 0, max: 100, weight: 0}"}, "tables[0].aggregates[0].weight", "> 0"},
		{"weight not a number", []string{"min: 0, max: 100}", "min: 0, max: 100, weight: heavy}"}, "tables[0].aggregates[0].weight", "expected a number"},
		{"same sum twice", []string{secondTable, secondTable + secondTable}, "tables[0]", "same name"},
		{"ranks naming the same column", []string{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, ranks: [0.5, 0.5000000001], min: 0, max: 100}"}, "tables[0]", "same name"},
		{"group_by named like an aggregate", []string{"{name: unit, role: dimension}", "{name: persons, role: dimension}", "group_by: [unit, age_band]", "group_by: [persons]"}, "tables[0]", "same name"},
		{"persons twice", []string{secondTable, secondTable + "      - persons\n      - persons\n"}, "tables[0].aggregates[2]", "more than once"},
		{"persons with a value", []string{secondTable, secondTable + "      - {persons: fee}\n"}, "tables[0].aggregates[1].persons", "takes no value"},
		{"persons with a weight that is not a number", []string{secondTable, secondTable + "      - {persons: {weight: x}}\n"}, "tables[0].aggregates[1].persons.weight", "expected a number"},
		{"persons with a zero weight", []string{secondTable, secondTable + "      - {persons: {weight: 0}}\n"}, "tables[0].aggregates[1].weight", "> 0"},
		{"persons with bounds", []string{secondTable, secondTable + "      - {persons: ~, min: 0, max: 1}\n"}, "tables[0].aggregates[1]", "persons takes no min"},
		{"unknown aggregate word", []string{secondTable, secondTable + "      - count\n"}, "tables[0].aggregates[1]", "expected persons"},
		{"aggregate without kind", []string{"{sum: fee, min: 0, max: 100}", "{min: 0, max: 100}"}, "tables[0].aggregates[0]", "needs one of"},
		{"aggregate with two kinds", []string{"{sum: fee, min: 0, max: 100}", "{sum: fee, mean: fee, min: 0, max: 100}"}, "tables[0].aggregates[0]", "more than one"},
		{"sum bound overflows fixed point", []string{"min: 0, max: 100}", "min: 0, max: 1e16}"}, "tables[0].aggregates[0]", "2^63"},
		{"sum bound overflows with row cap", []string{"delta: 1e-6", "delta: 1e-6, max_rows_per_person_per_partition: 1000000", "min: 0, max: 100}", "min: -1e10, max: 0}"}, "tables[0].aggregates[0]", "2^63"},
		{"output dir placeholder misspelt", []string{"budget:", "output: {dir: \"out/{relase}\"}\nbudget:"}, "output.dir", "only {job} and {release}"},
		{"compression unknown", []string{"budget:", "output: {compression: lz4}\nbudget:"}, "output.compression", "zstd | snappy | gzip | none"},
		{"error_bars not a bool", []string{"budget:", "output: {error_bars: sometimes}\nbudget:"}, "output.error_bars", "true or false"},
		{"report format unknown", []string{"budget:", "report: {formats: [pdf]}\nbudget:"}, "report.formats[0]", "json | html"},
		{"report format twice", []string{"budget:", "report: {formats: [json, json]}\nbudget:"}, "report.formats[1]", "listed twice"},
		{"report language unknown", []string{"budget:", "report: {language: de}\nbudget:"}, "report.language", "en | fi | sv"},
		{"columns not a list", []string{"columns:\n  - {name: hetu, role: person_id}\n", "columns: hetu\nx:\n  - {name: hetu, role: person_id}\n"}, "columns", "expected a list"},
		{"key defined twice", []string{"job: j1", "job: j1\njob: j2"}, "job", "defined twice (lines 1 and 2)"},
		{"key defined twice in another case", []string{"job: j1", "job: j1\nJob: j2"}, "Job", "defined twice"},
		{"dotted key", []string{"job: j1", "job: j1\nprivacy.epsilon: 3"}, "privacy.epsilon", "must not contain '.'"},
		{"alias", []string{"register: {name: R}", "register: &r {name: R}\nconsent: *r"}, "consent", "aliases are not supported"},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job, err := loadYAML(t, mutate(t, tc.edits...))
			if err == nil {
				t.Fatalf("Load succeeded (job %q), want an error at %q", job.Job, tc.wantKey)
			}
			errs := configErrors(t, err)
			for _, e := range errs {
				if e.Key == tc.wantKey && strings.Contains(e.Msg, tc.wantMsg) {
					return
				}
			}
			t.Errorf("no problem with key %q and message containing %q; got:\n%v", tc.wantKey, tc.wantMsg, err)
		})
	}
}

func TestBaseConfigIsValid(t *testing.T) {
	if _, err := loadYAML(t, baseYAML); err != nil {
		t.Fatalf("the base config of the table tests must load: %v", err)
	}
}

func TestUnknownKeys(t *testing.T) {
	const secondTable = "      - {sum: fee, min: 0, max: 100}\n"
	tests := []struct {
		name    string
		edits   []string
		wantKey string // the section the key was found in
		wantMsg string
	}{
		{"top level", []string{"job: j1", "job: j1\njobs: j2"}, "", `unknown key "jobs"`},
		{"privacy", []string{"epsilon: 1,", "epsilonn: 1, epsilon: 1,"}, "privacy", `unknown key "privacy.epsilonn" (allowed: epsilon, delta,`},
		{"register", []string{"{name: R}", "{name: R, owner: X}"}, "register", `unknown key "register.owner"`},
		{"source", []string{"path: data.csv}", "path: data.csv, file: x}"}, "source", `unknown key "source.file"`},
		{"budget", []string{"epsilon_per_period: 4", "epsilon_per_period: 4, limit: 9"}, "budget", `unknown key "budget.limit"`},
		{"output", []string{"budget:", "output: {directory: x}\nbudget:"}, "output", `unknown key "output.directory"`},
		{"report", []string{"budget:", "report: {format: [json]}\nbudget:"}, "report", `unknown key "report.format"`},
		{"consent", []string{"budget:", "consent: {withdrawn_file: x}\nbudget:"}, "consent", `unknown key "consent.withdrawn_file"`},
		{"column", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, kind: text}"}, "columns[1]", `unknown key "columns[1].kind" (allowed: name, role, format, width, generalize)`},
		{"generalize", []string{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {truncate: 2, round: 1}}"}, "columns[1].generalize", `unknown key "columns[1].generalize.round"`},
		{"derive entry", []string{"sex: {from: hetu}", "sex: {from: hetu, values: [m, f]}"}, "derive.sex", `unknown key "derive.sex.values"`},
		{"table", []string{"name: t1", "name: t1\n    where: x"}, "tables[0]", `unknown key "tables[0].where"`},
		{"public_values", []string{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [a], sorted: true}]"}, "tables[0].public_values[0]", `unknown key "tables[0].public_values[0].sorted"`},
		{"persons mapping", []string{secondTable, secondTable + "      - {persons: {weight: 2, share: 1}}\n"}, "tables[0].aggregates[1]", `unknown key "tables[0].aggregates[1].persons.share" (allowed: weight)`},
		{"aggregate", []string{secondTable, "      - {sum: fee, min: 0, max: 100, clamp: true}\n"}, "tables[0].aggregates[0]", `unknown key "tables[0].aggregates[0].clamp" (allowed: persons, sum, mean, quantiles, min, max, ranks, weight)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, mutate(t, tc.edits...))
			if err == nil {
				t.Fatal("Load succeeded, want an unknown key error")
			}
			for _, e := range configErrors(t, err) {
				if e.Key == tc.wantKey && strings.Contains(e.Msg, tc.wantMsg) {
					return
				}
			}
			t.Errorf("no problem with key %q and message containing %q; got:\n%v", tc.wantKey, tc.wantMsg, err)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	job, err := loadYAML(t, baseYAML)
	if err != nil {
		t.Fatal(err)
	}
	job.Privacy.Epsilon = 0
	job.Output.Compression = "lz4"
	job.Tables[0].Name = "Bad"
	got := keys(configErrors(t, job.Validate()))
	want := []string{"privacy.epsilon", "tables[0].name", "output.compression"}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"with key", &Error{Key: "privacy.epsilon", Msg: "must be > 0"}, "privacy.epsilon: must be > 0"},
		{"without key", &Error{Msg: "job.yaml: line 3: invalid YAML syntax"}, "job.yaml: line 3: invalid YAML syntax"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValidateRelease(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"2026-11-24", true},
		{"a", true},
		{"Q4.final_2-b", true},
		{strings.Repeat("a", 100), true},
		{strings.Repeat("a", 101), false},
		{"", false},
		{"-x", false},
		{".hidden", false},
		{"_x", false},
		{"a/b", false},
		{"..", false},
		{"a b", false},
		{"äö", false},
		{"2026{job}", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			err := ValidateRelease(tc.id)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateRelease = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				errs := configErrors(t, err)
				if len(errs) != 1 || errs[0].Key != "--release" {
					t.Errorf("error = %v, want one *Error with key --release", err)
				}
			}
		})
	}
}

func TestCheckColumns(t *testing.T) {
	job, err := loadYAML(t, baseYAML)
	if err != nil {
		t.Fatal(err)
	}
	personal := func(s string) bool { return strings.HasPrefix(s, "010101") }
	tests := []struct {
		name   string
		header []string
		want   []string // exact messages, in order
	}{
		{"exact match", []string{"hetu", "unit", "fee", "nimi"}, nil},
		{"order does not matter", []string{"nimi", "fee", "unit", "hetu"}, nil},
		{"unlisted column named", []string{"hetu", "unit", "fee", "nimi", "Äidinkieli"},
			[]string{`columns: source column "Äidinkieli" has no role (add it with role: drop, identifier, dimension, measure or person_id)`}},
		{"personal-looking name cited by position", []string{"hetu", "unit", "010101A123B", "fee", "nimi"},
			[]string{"columns: source column 3 has no role, and the header holds what looks like personal data: the extract may be missing its header row"}},
		{"headerless: no header cell quoted, not even one that looks harmless", []string{"010101A123B", "Aino", "Kirkkotie 3", "12,50"},
			[]string{
				"columns: source column 1 has no role, and the header holds what looks like personal data: the extract may be missing its header row",
				"columns: source column 2 has no role, and the header holds what looks like personal data: the extract may be missing its header row",
				"columns: source column 3 has no role, and the header holds what looks like personal data: the extract may be missing its header row",
				"columns: source column 4 has no role, and the header holds what looks like personal data: the extract may be missing its header row",
				`columns: column "hetu" (columns[0]) is not in the source`,
				`columns: column "unit" (columns[1]) is not in the source`,
				`columns: column "fee" (columns[2]) is not in the source`,
				`columns: column "nimi" (columns[3]) is not in the source`,
			}},
		{"configured column missing", []string{"hetu", "unit", "fee"},
			[]string{`columns: column "nimi" (columns[3]) is not in the source`}},
		{"case differs", []string{"hetu", "Unit", "fee", "nimi"},
			[]string{`columns: source column "Unit" has no role (add it with role: drop, identifier, dimension, measure or person_id)`,
				`columns: column "unit" (columns[1]) is not in the source`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := job.CheckColumns(tc.header, personal)
			var got []string
			for _, e := range configErrors(t, err) {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestOutputColumns(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name      string
		errorBars *bool
		table     Table
		want      []string
	}{
		{"private with error bars", &on, Table{GroupBy: []string{"unit", "age_band"}, Partitions: PartitionsPrivate, Aggregates: []Aggregate{
			{Kind: AggPersons, Weight: 1},
			{Kind: AggSum, Column: "monthly_fee"},
			{Kind: AggMean, Column: "hours"},
			{Kind: AggQuantiles, Column: "hours", Ranks: []float64{0.5, 0.05, 0.995, 0.005}},
		}}, []string{"unit", "age_band", "persons", "persons_ci95", "monthly_fee_sum", "monthly_fee_sum_ci95",
			"hours_mean", "hours_mean_ci95", "hours_p50", "hours_p5", "hours_p99_5", "hours_p0_5"}},
		{"public without error bars, persons implicit", &off, Table{GroupBy: []string{"unit"}, Partitions: PartitionsPublic, Aggregates: []Aggregate{
			{Kind: AggSum, Column: "fee"},
		}}, []string{"unit", "persons", "fee_sum", "suppressed"}},
		{"nil error_bars means on", nil, Table{GroupBy: []string{"unit"}, Partitions: PartitionsPrivate},
			[]string{"unit", "persons", "persons_ci95"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := &Job{Output: Output{ErrorBars: tc.errorBars}}
			if got := j.OutputColumns(tc.table); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}
