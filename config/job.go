package config

import (
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // budget.timezone must load even where the system has no zoneinfo
)

// OutputDir returns output.dir with {job} and {release} filled in. release must have passed
// ValidateRelease (so it cannot climb out of the directory).
func (j *Job) OutputDir(release string) string {
	return strings.NewReplacer("{job}", j.Job, "{release}", release).Replace(j.Output.Dir)
}

// ReleaseOf returns the release id whose output directory (OutputDir) is dir, or false when
// dir is no directory of this job's release series. The next run uses it to tell its own
// abandoned staging directories from anything else beside them.
func (j *Job) ReleaseOf(dir string) (string, bool) {
	tmpl := strings.ReplaceAll(j.Output.Dir, "{job}", j.Job)
	i := strings.Index(tmpl, "{release}")
	if i < 0 {
		return "", false
	}
	prefix, suffix := tmpl[:i], tmpl[i+len("{release}"):]
	if strings.Contains(suffix, "{release}") {
		return "", false // a template naming the release twice: not worth guessing
	}
	dir = filepath.Clean(dir)
	if len(dir) < len(prefix)+len(suffix) || !strings.HasPrefix(dir, prefix) || !strings.HasSuffix(dir, suffix) {
		return "", false
	}
	id := dir[len(prefix) : len(dir)-len(suffix)]
	if ValidateRelease(id) != nil || filepath.Clean(j.OutputDir(id)) != dir {
		return "", false
	}
	return id, true
}

// Location returns budget.timezone's zone, or time.Local when it is empty (or, on a Job
// that did not pass Validate, unloadable).
func (j *Job) Location() *time.Location {
	if j.Budget.Timezone == "" {
		return time.Local
	}
	loc, err := time.LoadLocation(j.Budget.Timezone)
	if err != nil {
		return time.Local
	}
	return loc
}

// ErrorBarsOn reports whether tables get <name>_ci95 columns (output.error_bars; default true).
func (j *Job) ErrorBarsOn() bool {
	return j.Output.ErrorBars == nil || *j.Output.ErrorBars
}

// HTMLReport reports whether report.html is written (report.formats lists html).
func (j *Job) HTMLReport() bool {
	for _, f := range j.Report.Formats {
		if f == "html" {
			return true
		}
	}
	return false
}

// Column returns the configured source column with exactly this name.
func (j *Job) Column(name string) (Column, bool) {
	for _, c := range j.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// PersonID returns the person_id column (the zero Column on a Job that did not pass Validate).
func (j *Job) PersonID() Column {
	for _, c := range j.Columns {
		if c.Role == RolePersonID {
			return c
		}
	}
	return Column{}
}

// OutputColumns returns the value columns an aggregate adds to a table, without error bars:
// persons; <col>_sum; <col>_mean; or <col>_p<rank×100> per rank with '.' written '_'
// (0.5 → p50, 0.995 → p99_5).
func (a Aggregate) OutputColumns() []string {
	switch a.Kind {
	case AggPersons:
		return []string{"persons"}
	case AggSum, AggMean:
		return []string{a.Column + "_" + a.Kind}
	case AggQuantiles:
		cols := make([]string, len(a.Ranks))
		for i, r := range a.Ranks {
			cols[i] = a.Column + "_p" + rankName(r)
		}
		return cols
	}
	return nil
}

// rankName writes rank × 100 with at most four decimals and '_' for the point.
func rankName(r float64) string {
	s := strconv.FormatFloat(math.Round(r*100*1e4)/1e4, 'f', -1, 64)
	return strings.ReplaceAll(s, ".", "_")
}

// hasCI95 tells whether an aggregate kind gets a <name>_ci95 column when error bars are on.
func hasCI95(kind string) bool {
	return kind == AggPersons || kind == AggSum || kind == AggMean
}

// OutputColumns returns a table's Parquet columns in order (SPEC.md "Outputs"): the group-by
// columns, then each aggregate's columns in order (persons, listed or not, comes first after
// Load) each followed by its _ci95 column
// when error bars are on (persons, sums, means), then suppressed for public tables.
func (j *Job) OutputColumns(t Table) []string {
	cols := append([]string{}, t.GroupBy...)
	aggs := t.Aggregates
	if !slices.ContainsFunc(aggs, func(a Aggregate) bool { return a.Kind == AggPersons }) {
		aggs = append([]Aggregate{{Kind: AggPersons, Weight: defaultWeight}}, aggs...)
	}
	for _, a := range aggs {
		for _, c := range a.OutputColumns() {
			cols = append(cols, c)
			if j.ErrorBarsOn() && hasCI95(a.Kind) {
				cols = append(cols, c+"_ci95")
			}
		}
	}
	if t.Partitions == PartitionsPublic {
		cols = append(cols, "suppressed")
	}
	return cols
}

// secretKeys are never rendered by Effective, wherever they appear.
var secretKeys = map[string]bool{"dsn": true, "password": true}

// Effective returns the effective config (after defaults and overrides) as plain maps,
// slices and scalars keyed by the YAML names, for the report: paths are absolute, aggregates
// are in their YAML shape ("persons" or {"sum": COL, "min": 0, "max": 500, "weight": 1}),
// public values hold a file's values, and keys named dsn or password are left out. Marshalled
// with encoding/json, the same config always gives the same bytes.
func (j *Job) Effective() map[string]any {
	return effective(reflect.ValueOf(*j)).(map[string]any)
}

func effective(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return effective(v.Elem())
	case reflect.Struct:
		if v.Type() == aggregateType {
			return aggregateYAML(v.Interface().(Aggregate))
		}
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			tag := tagName(v.Type().Field(i))
			if tag == "" || secretKeys[tag] {
				continue
			}
			m[tag] = effective(v.Field(i))
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		list := make([]any, v.Len())
		for i := range list {
			list[i] = effective(v.Index(i))
		}
		return list
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			if !secretKeys[k.String()] {
				m[k.String()] = effective(v.MapIndex(k))
			}
		}
		return m
	default:
		return v.Interface()
	}
}

// aggregateYAML renders an aggregate as the YAML that declares it.
func aggregateYAML(a Aggregate) any {
	if a.Kind == AggPersons {
		if a.Weight == defaultWeight {
			return AggPersons
		}
		return map[string]any{AggPersons: nil, "weight": a.Weight}
	}
	m := map[string]any{a.Kind: a.Column, "min": a.Min, "max": a.Max, "weight": a.Weight}
	if a.Kind == AggQuantiles {
		ranks := make([]any, len(a.Ranks))
		for i, r := range a.Ranks {
			ranks[i] = r
		}
		m["ranks"] = ranks
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
