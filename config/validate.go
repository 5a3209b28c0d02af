package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Allowed values of the closed sets in SPEC.md "Job config".
var (
	SourceTypes   = []string{"csv", "xlsx", "parquet", "jsonl", "postgres"}
	Encodings     = []string{"auto", "utf-8", "windows-1252", "iso-8859-15"}
	Delimiters    = []string{"auto", ";", ",", "\t", "|"}
	Decimals      = []string{"auto", ".", ","}
	Roles         = []string{RolePersonID, RoleIdentifier, RoleDrop, RoleDimension, RoleMeasure}
	IDFormats     = []string{"hetu", "any"}
	DateParts     = []string{"year", "quarter", "month"}
	NoiseKinds    = []string{"laplace", "gaussian"}
	Periods       = []string{"year", "quarter", "month"}
	Partitions    = []string{PartitionsPrivate, PartitionsPublic}
	Compressions  = []string{"zstd", "snappy", "gzip", "none"}
	ReportFormats = []string{"json", "html"}
	Languages     = []string{"en", "fi", "sv"}
)

// FixedPointScale is the factor sums are scaled by before they are added as int64 (three
// decimals), so the overflow guard in Validate and the aggregation agree.
const FixedPointScale = 1000

// Quantile ranks must lie within what the DP library computes (it clamps to this range).
const (
	MinRank = 0.005
	MaxRank = 0.995
)

var (
	jobName   = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*$`)
	tableName = regexp.MustCompile(`^[a-z0-9_]+$`)
	envName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	releaseID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// MaxReleaseLen is the longest release id ValidateRelease accepts.
const MaxReleaseLen = 100

// fileSources are the source types read from a file (path required).
var fileSources = []string{"csv", "xlsx", "parquet", "jsonl"}

// Validate checks the whole job against SPEC.md and returns every problem found, joined, in
// the order of the config's keys; nil when the job is valid. Each problem is an *Error that
// names the key and what is allowed. Load calls it; call it again after changing a Job.
func (j *Job) Validate() error {
	var p problems
	j.validateTop(&p)
	j.validateSource(&p)
	j.validateColumns(&p)
	j.validateDerive(&p)
	j.validatePrivacy(&p)
	j.validateBudget(&p)
	j.validateTables(&p)
	j.validateOutput(&p)
	return p.err()
}

// oneOf adds a problem when val is not in allowed. The value itself is never quoted.
func oneOf(p *problems, key, val string, allowed []string) {
	if slices.Contains(allowed, val) {
		return
	}
	shown := make([]string, len(allowed))
	for i, a := range allowed {
		shown[i] = a
		if a == "\t" {
			shown[i] = `\t`
		}
	}
	if val == "" {
		p.add(key, "is required: one of "+strings.Join(shown, " | "))
		return
	}
	p.add(key, "must be one of "+strings.Join(shown, " | "))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (j *Job) validateTop(p *problems) {
	switch {
	case j.Job == "":
		p.add("job", "is required")
	case !jobName.MatchString(j.Job):
		p.add("job", "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
	}
	if strings.TrimSpace(j.Register.Name) == "" {
		p.add("register.name", "is required")
	}
}

func (j *Job) validateSource(p *problems) {
	s := j.Source
	oneOf(p, "source.type", s.Type, SourceTypes)
	if slices.Contains(fileSources, s.Type) && s.Path == "" {
		p.add("source.path", "is required for a "+s.Type+" source")
	}
	if s.Type == "postgres" {
		if !envName.MatchString(s.DSNEnv) {
			p.add("source.dsn_env", "is required for a postgres source: the name of the environment variable holding the DSN")
		} else if _, ok := overridable()[s.DSNEnv]; ok {
			p.add("source.dsn_env", "must not name a STATEXPORT_ override variable")
		}
		if (s.Table == "") == (s.Query == "") {
			p.add("source", "a postgres source needs exactly one of table or query")
		}
	} else {
		for key, val := range map[string]string{"source.dsn_env": s.DSNEnv, "source.table": s.Table, "source.query": s.Query} {
			if val != "" {
				p.add(key, "only for a postgres source")
			}
		}
	}
	if s.Sheet != "" && s.Type != "xlsx" {
		p.add("source.sheet", "only for an xlsx source")
	}
	oneOf(p, "source.encoding", s.Encoding, Encodings)
	oneOf(p, "source.delimiter", s.Delimiter, Delimiters)
	oneOf(p, "source.decimal", s.Decimal, Decimals)
}

func (j *Job) validateColumns(p *problems) {
	if len(j.Columns) == 0 {
		p.add("columns", "is required: every source column needs a role")
		return
	}
	seen := map[string]int{}
	ids := 0
	for i, c := range j.Columns {
		key := fmt.Sprintf("columns[%d]", i)
		if c.Name == "" {
			p.add(key+".name", "is required")
		} else if first, dup := seen[c.Name]; dup {
			p.add(key+".name", fmt.Sprintf("the same name as columns[%d]", first))
		} else {
			seen[c.Name] = i
		}
		oneOf(p, key+".role", c.Role, Roles)
		if c.Role == RolePersonID {
			ids++
			oneOf(p, key+".format", c.Format, IDFormats)
		} else if c.Format != "" {
			p.add(key+".format", "only for the person_id column")
		}
		if c.Width < 0 {
			p.add(key+".width", "must be >= 0")
		} else if c.Width > 0 && c.Role != RoleDimension {
			p.add(key+".width", "only for dimension columns")
		}
		if g := c.Generalize; g != nil {
			switch {
			case c.Role != RoleDimension:
				p.add(key+".generalize", "only for dimension columns")
			case g.Truncate != 0 && g.Date != "":
				p.add(key+".generalize", "truncate or date, not both")
			case g.Truncate < 0:
				p.add(key+".generalize.truncate", "must be > 0")
			case g.Date != "":
				oneOf(p, key+".generalize.date", g.Date, DateParts)
			case g.Truncate == 0:
				p.add(key+".generalize", "needs truncate (> 0) or date (year | quarter | month)")
			}
		}
	}
	if ids != 1 {
		p.add("columns", fmt.Sprintf("exactly one column must have role person_id (found %d)", ids))
	}
}

func (j *Job) validateDerive(p *problems) {
	for _, name := range sortedKeys(j.Derive) {
		d := j.Derive[name]
		key := "derive." + name
		if !derivedName.MatchString(name) {
			p.add(key, "derived column names are lower_snake_case ([a-z][a-z0-9_]*)")
		}
		if _, ok := j.Column(name); ok {
			p.add(key, "a source column has the same name")
		}
		if c, ok := j.Column(d.From); !ok || c.Role != RolePersonID || c.Format != "hetu" {
			p.add(key+".from", "must name the person_id column, with format hetu")
		}
		if d.Bands != nil && len(d.Bands) == 0 {
			p.add(key+".bands", "must not be empty (leave bands out for sex)")
		}
		for i, b := range d.Bands {
			if b < 0 {
				p.add(fmt.Sprintf("%s.bands[%d]", key, i), "must be >= 0")
			} else if i > 0 && b <= d.Bands[i-1] {
				p.add(fmt.Sprintf("%s.bands[%d]", key, i), "bands must be strictly ascending")
			}
		}
		switch {
		case d.Kind() == DeriveSex && d.AgeAt != "":
			p.add(key+".age_at", "only with bands (an age band)")
		case d.Kind() == DeriveAgeBand && d.AgeAt != defaultAgeAt:
			if _, err := time.Parse(time.DateOnly, d.AgeAt); err != nil {
				p.add(key+".age_at", "must be period_start or a date yyyy-mm-dd")
			}
		}
	}
}

func (j *Job) validatePrivacy(p *problems) {
	pr := j.Privacy
	if !(pr.Epsilon > 0) || !finite(pr.Epsilon) {
		p.add("privacy.epsilon", "must be > 0 and finite")
	}
	oneOf(p, "privacy.noise", pr.Noise, NoiseKinds)
	needDelta := pr.Noise == "gaussian"
	for _, t := range j.Tables {
		if t.Partitions == PartitionsPrivate {
			needDelta = true
		}
	}
	switch {
	case !(pr.Delta >= 0 && pr.Delta < 1):
		p.add("privacy.delta", "must be in [0, 1)")
	case needDelta && pr.Delta == 0:
		p.add("privacy.delta", "must be > 0 when a table has private partitions or the noise is gaussian")
	}
	if pr.MaxPartitionsPerPerson < 1 {
		p.add("privacy.max_partitions_per_person", "must be >= 1")
	}
	if pr.MaxRowsPerPersonPerPartition < 1 {
		p.add("privacy.max_rows_per_person_per_partition", "must be >= 1")
	}
	if pr.MinPersons < 0 {
		p.add("privacy.min_persons", "must be >= 0")
	}
	if !(pr.MaxRejectedShare >= 0 && pr.MaxRejectedShare <= 1) {
		p.add("privacy.max_rejected_share", "must be in [0, 1]")
	}
}

func (j *Job) validateBudget(p *problems) {
	b := j.Budget
	if b.Ledger == "" {
		p.add("budget.ledger", "is required")
	}
	if !(b.EpsilonPerPeriod > 0) || !finite(b.EpsilonPerPeriod) {
		p.add("budget.epsilon_per_period", "must be > 0 and finite")
	} else if j.Privacy.Epsilon > b.EpsilonPerPeriod {
		p.add("privacy.epsilon", "must be <= budget.epsilon_per_period")
	}
	oneOf(p, "budget.period", b.Period, Periods)
	if b.Timezone != "" {
		if _, err := time.LoadLocation(b.Timezone); err != nil {
			p.add("budget.timezone", "must be an IANA time zone name such as Europe/Helsinki (or empty for the system's zone)")
		}
	}
}

func (j *Job) validateTables(p *problems) {
	if len(j.Tables) == 0 {
		p.add("tables", "at least one table is required")
	}
	names := map[string]int{}
	for i, t := range j.Tables {
		key := fmt.Sprintf("tables[%d]", i)
		before := len(*p)
		if t.Name == "" {
			p.add(key+".name", "is required")
		} else if !tableName.MatchString(t.Name) {
			p.add(key+".name", "must hold only lower-case letters, digits and '_'")
		} else if first, dup := names[t.Name]; dup {
			p.add(key+".name", fmt.Sprintf("the same name as tables[%d]", first))
		} else {
			names[t.Name] = i
		}
		j.validateGroupBy(p, key, t)
		oneOf(p, key+".partitions", t.Partitions, Partitions)
		j.validatePublicValues(p, key, t)
		j.validateAggregates(p, key, t)
		if len(*p) == before && len(j.Columns) > 0 {
			cols := map[string]bool{}
			for _, c := range j.OutputColumns(t) {
				if cols[c] {
					p.add(key, "two output columns would have the same name (check group_by and aggregates)")
					break
				}
				cols[c] = true
			}
		}
	}
}

func (j *Job) validateGroupBy(p *problems, key string, t Table) {
	if len(t.GroupBy) == 0 {
		p.add(key+".group_by", "at least one dimension or derived column is required")
	}
	seen := map[string]bool{}
	for i, g := range t.GroupBy {
		gk := fmt.Sprintf("%s.group_by[%d]", key, i)
		if seen[g] {
			p.add(gk, "listed twice")
			continue
		}
		seen[g] = true
		c, isCol := j.Column(g)
		_, isDerived := j.Derive[g]
		if !(isCol && c.Role == RoleDimension) && !isDerived {
			p.add(gk, "must name a dimension column or a derived column")
		}
	}
}

func (j *Job) validatePublicValues(p *problems, key string, t Table) {
	if t.Partitions != PartitionsPublic {
		if len(t.PublicValues) > 0 {
			p.add(key+".public_values", "only for tables with partitions: public")
		}
		return
	}
	listed := map[string]bool{}
	for k, pv := range t.PublicValues {
		pk := fmt.Sprintf("%s.public_values[%d]", key, k)
		switch {
		case !slices.Contains(t.GroupBy, pv.Column):
			p.add(pk+".column", "must name a group_by column of this table")
		case listed[pv.Column]:
			p.add(pk+".column", "this column's values are already listed")
		}
		listed[pv.Column] = true
		if len(pv.Values) == 0 {
			p.add(pk, "needs at least one value (values: [...] or file:)")
		}
		where := pk + ".values"
		if pv.File != "" {
			where = pk + ".file"
		}
		vals := map[string]bool{}
		for n, v := range pv.Values {
			if v == "" {
				p.add(fmt.Sprintf("%s[%d]", pk+".values", n), "must not be empty (an empty dimension is \"(missing)\")")
			} else if vals[v] {
				p.add(where, fmt.Sprintf("value %d duplicates an earlier value", n+1))
			}
			vals[v] = true
		}
	}
	for i, g := range t.GroupBy {
		if !listed[g] {
			p.add(fmt.Sprintf("%s.group_by[%d]", key, i), "a public table needs public_values for every group_by column")
		}
	}
}

func (j *Job) validateAggregates(p *problems, key string, t Table) {
	persons := 0
	for k, a := range t.Aggregates {
		ak := fmt.Sprintf("%s.aggregates[%d]", key, k)
		if !(a.Weight > 0) || !finite(a.Weight) {
			p.add(ak+".weight", "must be > 0 and finite")
		}
		switch a.Kind {
		case AggPersons:
			persons++
			if persons > 1 {
				p.add(ak, "persons is listed more than once")
			}
			continue
		case AggSum, AggMean, AggQuantiles:
		default:
			p.add(ak, "must be persons, sum, mean or quantiles")
			continue
		}
		if c, ok := j.Column(a.Column); !ok || c.Role != RoleMeasure {
			p.add(ak+"."+a.Kind, "must name a measure column")
		}
		switch {
		case !finite(a.Min) || !finite(a.Max):
			p.add(ak, "min and max must be finite numbers")
		case a.Min > a.Max:
			p.add(ak, "min must be <= max")
		case a.Kind != AggSum && a.Min == a.Max:
			p.add(ak, a.Kind+" needs min < max")
		case a.Kind == AggSum:
			j.checkOverflow(p, ak, a)
		}
		if a.Kind == AggQuantiles {
			if len(a.Ranks) == 0 {
				p.add(ak+".ranks", "at least one rank is required")
			}
			seen := map[float64]bool{}
			for r, rank := range a.Ranks {
				rk := fmt.Sprintf("%s.ranks[%d]", ak, r)
				switch {
				case !(rank >= MinRank && rank <= MaxRank):
					p.add(rk, fmt.Sprintf("must be within [%g, %g]", MinRank, MaxRank))
				case seen[rank]:
					p.add(rk, "listed twice")
				}
				seen[rank] = true
			}
		} else if len(a.Ranks) > 0 {
			p.add(ak+".ranks", "only quantiles take ranks")
		}
	}
}

// checkOverflow guards the fixed-point sum (DP-NOTES #4): a person's largest contribution
// to a cell, scaled, times the cells they may reach must fit in an int64.
func (j *Job) checkOverflow(p *problems, key string, a Aggregate) {
	bound := math.Max(math.Abs(a.Min), math.Abs(a.Max))
	rows := float64(max(j.Privacy.MaxRowsPerPersonPerPartition, 1))
	parts := float64(max(j.Privacy.MaxPartitionsPerPerson, 1))
	if bound*rows*FixedPointScale*parts >= math.MaxInt64 {
		p.add(key, fmt.Sprintf("bounds too large: max(|min|, |max|) x max_rows_per_person_per_partition x %d x max_partitions_per_person must stay below 2^63", FixedPointScale))
	}
}

func (j *Job) validateOutput(p *problems) {
	if j.Output.Dir == "" {
		p.add("output.dir", "is required")
	} else if filled := strings.NewReplacer("{job}", "", "{release}", "").Replace(j.Output.Dir); strings.ContainsAny(filled, "{}") {
		p.add("output.dir", "only {job} and {release} are filled in; no other braces are allowed")
	}
	oneOf(p, "output.compression", j.Output.Compression, Compressions)
	seen := map[string]bool{}
	for i, f := range j.Report.Formats {
		k := fmt.Sprintf("report.formats[%d]", i)
		if seen[f] {
			p.add(k, "listed twice")
		}
		seen[f] = true
		oneOf(p, k, f, ReportFormats)
	}
	oneOf(p, "report.language", j.Report.Language, Languages)
}

// ValidateRelease checks a release id (SPEC.md "Command line"): it starts with an ASCII
// letter or digit, holds only ASCII letters, digits, '.', '_' and '-', and is at most
// MaxReleaseLen characters. Its error is an *Error with key "--release".
func ValidateRelease(id string) error {
	if len(id) > MaxReleaseLen || !releaseID.MatchString(id) {
		return &Error{Key: "--release", Msg: fmt.Sprintf("must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most %d characters)", MaxReleaseLen)}
	}
	return nil
}

// CheckColumns checks a source's header against the configured columns: every source
// column needs a role and every configured column must be in the source. Names compare
// exactly. A header name for which looksPersonal returns true (the extract may have no
// header) is cited by its 1-based position instead of by name. Problems are joined *Error
// values with key "columns".
func (j *Job) CheckColumns(header []string, looksPersonal func(string) bool) error {
	var p problems
	// One header cell that looks like personal data means the "header" is probably a data
	// record (a headerless extract): then no unlisted name is quoted, since its neighbours are
	// values too (a first name or a street does not look like personal data on its own).
	headerless := false
	for _, name := range header {
		if _, ok := j.Column(name); !ok && looksPersonal != nil && looksPersonal(name) {
			headerless = true
		}
	}
	inHeader := map[string]bool{}
	for i, name := range header {
		inHeader[name] = true
		if _, ok := j.Column(name); ok {
			continue
		}
		if headerless {
			p.add("columns", fmt.Sprintf("source column %d has no role, and the header holds what looks like personal data: the extract may be missing its header row", i+1))
			continue
		}
		p.add("columns", fmt.Sprintf("source column %q has no role (add it with role: drop, identifier, dimension, measure or person_id)", name))
	}
	for i, c := range j.Columns {
		if !inHeader[c.Name] {
			p.add("columns", fmt.Sprintf("column %q (columns[%d]) is not in the source", c.Name, i))
		}
	}
	return p.err()
}
