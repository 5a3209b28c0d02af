package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/config"
)

// ExampleTable is the name of the draft's example table.
const ExampleTable = "example_table"

// WriteDraft writes the draft job config for the profiled source t to w: a YAML document in
// SPEC.md's format whose comments profile each column (counts only) and whose roles are the
// suggestions s (one per column of p). It is valid as written: config.Load accepts it.
func WriteDraft(w io.Writer, p *Profile, s []Suggestion, t Target) error {
	b := &bytes.Buffer{}
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }

	line("# Draft job config written by `statexport inspect` for %s.", t.describe())
	if p.Truncated {
		line("# Profiled a bounded sample: the first %d records (the source holds more). Every profile", p.Records)
		line("# and suggestion below describes that sample only.")
	} else {
		line("# Profiled all %d records.", p.Records)
	}
	line("# REVIEW every role before the first run: suggestions come from the sample's values and the")
	line("# column names, and a person must confirm them. Counts of values that look like personal")
	line("# data are counts only; no value is ever shown.")
	line("job: %s", jobName(t))
	line("register:")
	line("  name: %s   # REVIEW: the register's name (the privacy budget is shared per name)", quote(jobName(t)))
	line("  controller: %s", quote("REVIEW: the controller"))
	line("  contact: %s", quote("REVIEW: the responsible role (not a person's name)"))
	line("source:")
	line("  type: %s", t.Type)
	switch t.Type {
	case "postgres":
		line("  dsn_env: %s   # the variable holding the DSN; the DSN never sits in this file", t.DSNEnv)
		if t.Table != "" {
			line("  table: %s", quote(t.Table))
		} else {
			line("  query: %s", quote(t.Query))
		}
	default:
		abs, err := filepath.Abs(t.Path)
		if err != nil {
			abs = t.Path
		}
		line("  path: %s   # absolute; may be made relative to this file's directory", quote(abs))
	}
	if t.Type == "xlsx" && t.Sheet != "" {
		line("  sheet: %s", quote(t.Sheet))
	}
	if t.Type == "csv" {
		line("  encoding: %s", orAuto(t.Encoding))
		line("  delimiter: %s", quoteDelimiter(t.Delimiter))
	}
	if t.Type == "csv" || t.Type == "xlsx" || t.Type == "jsonl" {
		line("  decimal: auto")
	}

	line("columns:   # every source column needs a role")
	personID, hetu := "", false
	for i, c := range p.Columns {
		line("  # %s", profileComment(c))
		line("  # suggested: %s", s[i].Why)
		line("  - %s", columnYAML(c.Name, s[i]))
		if s[i].Role == config.RolePersonID {
			personID, hetu = c.Name, s[i].Format == "hetu"
		}
	}
	if personID == "" {
		line("  # REVIEW: no column could be suggested as person_id; set exactly one")
	}
	if hetu {
		line("derive:   # computed from the HETU before it is dropped")
		line("  age_band: {from: %s, age_at: period_start, bands: [0, 3, 6, 13, 18, 65]}", quote(personID))
		line("  sex: {from: %s}", quote(personID))
	}
	line("# consent:")
	line("#   withdrawn: withdrawn.txt   # persons whose rows are excluded, one person id a line")
	line("privacy:")
	line("  epsilon: 1.0")
	line("  delta: 1e-6")
	line("  noise: laplace")
	line("  max_partitions_per_person: 1")
	line("  max_rows_per_person_per_partition: 1")
	line("  min_persons: 10")
	line("  max_rejected_share: 0.01")
	line("budget:")
	line("  ledger: var/ledger.jsonl   # stays with the controller; never shipped with the tables")
	line("  epsilon_per_period: 4.0")
	line("  period: year")
	line("  timezone: Europe/Helsinki")
	line("tables:")
	line("  - name: %s   # REVIEW: rename ([a-z0-9_]+)", ExampleTable)
	group := exampleGroupBy(p, s, hetu)
	if len(group) == 0 {
		line("    # REVIEW: no dimension was found; add a dimension column and group by it")
	}
	line("    group_by: [%s]", strings.Join(quoteAll(group), ", "))
	line("    partitions: private   # public partitions release more from small registers: list the values")
	line("    aggregates:")
	line("      - persons")
	for i, c := range p.Columns {
		if s[i].Role == config.RoleMeasure {
			line("      # - {sum: %s, min: 0, max: REVIEW}   # bounds from domain knowledge, never from the data", quote(c.Name))
			break
		}
	}
	line("output:")
	line("  dir: out/{job}/{release}")
	line("  compression: zstd")
	line("  error_bars: true")
	line("report:")
	line("  formats: [json, html]")
	line("  language: en")
	line("  # signing_key: keys/report.key   # `statexport keygen --out keys/report`")

	bw := bufio.NewWriter(w)
	if _, err := bw.Write(b.Bytes()); err != nil {
		return err
	}
	return bw.Flush()
}

// profileComment is a column's profile in one comment line: counts and shares only.
func profileComment(c *Column) string {
	typ := c.Type
	if c.Typed {
		typ += " (typed)"
	}
	return fmt.Sprintf("%s: %s, %.1f%% empty, distinct %s; looks like hetu %d, personnummer %d, e-mail %d, phone %d, IBAN %d, name %d",
		oneLine(c.Name), typ, 100*c.EmptyShare(), c.Bucket(),
		c.Found[pii.HETU], c.Found[pii.Personnummer], c.Found[pii.Email], c.Found[pii.Phone], c.Found[pii.IBAN], c.Names)
}

func columnYAML(name string, s Suggestion) string {
	parts := []string{"name: " + quote(name), "role: " + s.Role}
	if s.Format != "" {
		parts = append(parts, "format: "+s.Format)
	}
	if s.Width > 0 {
		parts = append(parts, fmt.Sprintf("width: %d", s.Width))
	}
	switch {
	case s.Truncate > 0:
		parts = append(parts, fmt.Sprintf("generalize: {truncate: %d}", s.Truncate))
	case s.Date != "":
		parts = append(parts, "generalize: {date: "+s.Date+"}")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// exampleGroupBy picks one or two group-by columns: the non-date dimension with the fewest
// distinct values above one, then the age band (HETU) or a date dimension.
func exampleGroupBy(p *Profile, s []Suggestion, hetu bool) []string {
	var group []string
	best := -1
	for i, c := range p.Columns {
		if s[i].Role == config.RoleDimension && s[i].Date == "" && c.Distinct > 1 &&
			(best < 0 || c.Distinct < p.Columns[best].Distinct) {
			best = i
		}
	}
	if best >= 0 {
		group = append(group, p.Columns[best].Name)
	}
	if hetu {
		return append(group, "age_band")
	}
	for i, c := range p.Columns {
		if s[i].Role == config.RoleDimension && s[i].Date != "" {
			return append(group, c.Name)
		}
	}
	if len(group) == 0 {
		for i, c := range p.Columns {
			if s[i].Role == config.RoleDimension {
				return []string{c.Name}
			}
		}
	}
	return group
}

// quote writes s as a YAML double-quoted scalar (JSON string syntax is valid YAML).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}

// oneLine keeps a column name on one comment line.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}

func orAuto(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

func quoteDelimiter(d string) string {
	switch d {
	case "", "auto":
		return "auto"
	case `\t`, "tab":
		d = "\t"
	}
	return quote(d)
}

var jobUnsafe = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// jobName derives the draft's job name from the source (letters, digits, '.', '_', '-').
func jobName(t Target) string {
	base := t.Table
	if t.Type != "postgres" {
		base = strings.TrimSuffix(filepath.Base(t.Path), filepath.Ext(t.Path))
	}
	name := strings.Trim(jobUnsafe.ReplaceAllString(strings.ToLower(base), "-"), "-._")
	if name == "" {
		return "register"
	}
	return name
}
