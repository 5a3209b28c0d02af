package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that overrides a config key.
const EnvPrefix = "STATEXPORT_"

// CLIEnv names STATEXPORT_ variables the command line reads itself. Load does not report
// them as unknown. It is empty today; cmd may add to it during initialisation.
var CLIEnv = map[string]bool{}

// overridableSections are the sections whose scalar keys STATEXPORT_<SECTION>_<KEY>
// variables may set (SPEC.md "Job config"); top-level scalar keys (job) may be set too. The
// keys themselves come from the struct tags.
var overridableSections = map[string]bool{
	"source": true, "privacy": true, "budget": true, "output": true, "report": true,
}

// defaults are SPEC.md's default values of scalar keys, written as YAML would give them.
var defaults = map[string]any{
	"source.encoding":                           "auto",
	"source.delimiter":                          "auto",
	"source.decimal":                            "auto",
	"privacy.delta":                             "0",
	"privacy.noise":                             "laplace",
	"privacy.max_partitions_per_person":         "1",
	"privacy.max_rows_per_person_per_partition": "1",
	"privacy.min_persons":                       "5",
	"privacy.max_rejected_share":                "0.01",
	"budget.period":                             "year",
	"output.dir":                                "out/{job}/{release}",
	"output.compression":                        "zstd",
	"output.error_bars":                         "true",
	"report.formats":                            []any{"json"},
	"report.language":                           "en",
}

// Default values applied to list items after decoding.
const (
	defaultPersonIDFormat = "hetu"
	defaultAgeAt          = "period_start"
	defaultWeight         = 1.0
)

var derivedName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Load reads the job config at path, applies the STATEXPORT_ overrides found in environ
// (os.Environ() format; the process environment is not read), fills in defaults, resolves
// paths against the config file's directory, reads public-values files and validates the
// result. Every error it returns is, wraps or joins *Error values.
func Load(path string, environ []string) (*Job, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Msg: "config file: cannot resolve its path"}
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("config file %s: %s", abs, ioReason(err))}
	}
	raw, err := parseYAML(filepath.Base(abs), data)
	if err != nil {
		return nil, err
	}

	v := viper.New()
	for key, val := range defaults {
		v.SetDefault(key, val)
	}
	if err := v.MergeConfigMap(raw); err != nil {
		return nil, &Error{Msg: "config file: cannot be merged"}
	}
	overridden, err := applyEnv(v, environ)
	if err != nil {
		return nil, err
	}

	job := &Job{}
	if err := v.UnmarshalExact(job, func(c *mapstructure.DecoderConfig) {
		c.DecodeHook = decodeHook
		c.WeaklyTypedInput = false
	}); err != nil {
		return nil, translateDecodeError(err)
	}
	job.File = abs
	job.Dir = filepath.Dir(abs)
	sum := sha256.Sum256(data)
	job.SHA256 = hex.EncodeToString(sum[:])
	job.OverriddenKeys = overridden

	job.applyListDefaults()
	job.resolvePaths()
	if err := job.readPublicValueFiles(); err != nil {
		return nil, err
	}
	// Validate before persons is moved or inserted, so list indexes in errors are the file's.
	if err := job.Validate(); err != nil {
		return nil, err
	}
	job.personsFirst()
	return job, nil
}

// ioReason describes a file error without quoting the path the error carries.
func ioReason(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "does not exist"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	default:
		return "cannot be read"
	}
}

// yamlLine finds the line number in a yaml error message.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// parseYAML turns the config bytes into nested maps, lists and strings. Every scalar is kept
// as the text the file holds (so 00100 stays "00100"); null becomes nil. It rejects what
// viper would silently merge: keys differing only in case, keys holding a dot, aliases.
func parseYAML(name string, data []byte) (raw map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil { // a parser bug must not crash the CLI
			raw, err = nil, &Error{Msg: name + ": invalid YAML"}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: name + ": the config file is empty"}
		}
		return nil, yamlSyntaxError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlSyntaxError(name, err)
		}
		return nil, &Error{Msg: fmt.Sprintf("%s: line %d: a second YAML document; a config holds one", name, extra.Line)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Msg: fmt.Sprintf("%s: line %d: the top level must be a mapping of keys", name, root.Line)}
	}
	val, err := nodeValue(name, root, "", false)
	if err != nil {
		return nil, err
	}
	return val.(map[string]any), nil
}

// yamlSyntaxError reports a YAML syntax error by file and line. The parser's description is
// kept only when it cannot hold text from the file (anchors, tags and quoted tokens can).
func yamlSyntaxError(name string, err error) error {
	msg := err.Error()
	where := name
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		where += ": line " + m[1]
	}
	desc := "invalid YAML syntax"
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		d := msg[i+2:]
		if !strings.ContainsAny(d, "'\"`%\\") && !strings.Contains(d, "anchor") &&
			!strings.Contains(d, "tag") && !strings.Contains(d, "alias") && len(d) < 120 {
			desc += " (" + d + ")"
		}
	}
	return &Error{Msg: where + ": " + desc}
}

// nodeValue converts one YAML node. path is the dotted key of the node, for errors;
// inList is true below a sequence, where viper no longer flattens keys.
func nodeValue(file string, n *yaml.Node, path string, inList bool) (any, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := nodeValue(file, c, fmt.Sprintf("%s[%d]", path, i), true)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		lines := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, &Error{Key: path, Msg: fmt.Sprintf("%s: line %d: a key must be a plain name", file, k.Line)}
			}
			key := joinKey(path, k.Value)
			if k.Value == "<<" {
				return nil, &Error{Key: path, Msg: fmt.Sprintf("%s: line %d: YAML merge keys are not supported", file, k.Line)}
			}
			low := strings.ToLower(k.Value)
			if first, dup := lines[low]; dup {
				return nil, &Error{Key: key, Msg: fmt.Sprintf("defined twice (lines %d and %d)", first, k.Line)}
			}
			lines[low] = k.Line
			if !inList && strings.Contains(k.Value, ".") {
				return nil, &Error{Key: key, Msg: "a key must not contain '.'"}
			}
			if strings.EqualFold(path, "derive") && !derivedName.MatchString(k.Value) {
				return nil, &Error{Key: key, Msg: "derived column names are lower_snake_case ([a-z][a-z0-9_]*)"}
			}
			v, err := nodeValue(file, val, key, inList)
			if err != nil {
				return nil, err
			}
			if v == nil && !inList {
				continue // viper treats a null as unset: the default applies
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.AliasNode:
		return nil, &Error{Key: path, Msg: fmt.Sprintf("%s: line %d: YAML aliases are not supported", file, n.Line)}
	default:
		return nil, &Error{Key: path, Msg: fmt.Sprintf("%s: line %d: unexpected YAML node", file, n.Line)}
	}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// envKey is one overridable key.
type envKey struct {
	key  string       // dotted config key
	kind reflect.Kind // of its Go field (pointers dereferenced)
}

// overridable maps each override variable name to its key, derived from the struct tags:
// the top-level scalar keys and the scalar keys of the overridable sections.
func overridable() map[string]envKey {
	out := map[string]envKey{}
	jt := reflect.TypeOf(Job{})
	for i := 0; i < jt.NumField(); i++ {
		f := jt.Field(i)
		tag := tagName(f)
		if tag == "" {
			continue
		}
		if k, ok := scalarKind(f.Type); ok {
			out[EnvPrefix+strings.ToUpper(tag)] = envKey{key: tag, kind: k}
			continue
		}
		if f.Type.Kind() != reflect.Struct || !overridableSections[tag] {
			continue
		}
		for j := 0; j < f.Type.NumField(); j++ {
			sf := f.Type.Field(j)
			stag := tagName(sf)
			if k, ok := scalarKind(sf.Type); ok && stag != "" {
				out[EnvPrefix+strings.ToUpper(tag+"_"+stag)] = envKey{key: tag + "." + stag, kind: k}
			}
		}
	}
	return out
}

// tagName is a field's mapstructure key, or "" for fields the YAML does not hold.
func tagName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

func scalarKind(t reflect.Type) (reflect.Kind, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Float64, reflect.Int, reflect.Bool:
		return t.Kind(), true
	}
	return 0, false
}

// applyEnv sets the overrides found in environ and returns their dotted keys, sorted. An
// unknown STATEXPORT_ variable or an unparsable value is an error naming the variable.
func applyEnv(v *viper.Viper, environ []string) ([]string, error) {
	known := overridable()
	vars := map[string]string{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, EnvPrefix) {
			vars[name] = val
		}
	}
	var errs problems
	keys := []string{} // never nil: the report lists overridden keys as an array
	for name, val := range vars {
		k, ok := known[name]
		if !ok {
			continue
		}
		if _, err := parseScalar(val, k.kind); err != nil {
			errs.add(name, fmt.Sprintf("expected %s (sets %s)", kindWords(k.kind), k.key))
			continue
		}
		v.Set(k.key, val)
		keys = append(keys, k.key)
	}
	// The DSN's variable may start with STATEXPORT_; it is known once overrides are in.
	dsnEnv := v.GetString("source.dsn_env")
	for name := range vars {
		if _, ok := known[name]; ok || CLIEnv[name] || name == dsnEnv {
			continue
		}
		errs.add(name, "unknown variable; STATEXPORT_<SECTION>_<KEY> overrides a scalar key of source, privacy, budget, output or report (or STATEXPORT_JOB)")
	}
	sort.Slice(errs, func(a, b int) bool { return errs[a].Error() < errs[b].Error() })
	if err := errs.err(); err != nil {
		return nil, err
	}
	sort.Strings(keys)
	return keys, nil
}

// parseScalar parses the text of a scalar for a field of the given kind. Its errors are
// sentinels that quote nothing.
func parseScalar(s string, kind reflect.Kind) (any, error) {
	switch kind {
	case reflect.String:
		return s, nil
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, errNotScalar
		}
		return f, nil
	case reflect.Int:
		i, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, errNotScalar
		}
		return i, nil
	case reflect.Bool:
		switch strings.TrimSpace(s) {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
		return nil, errNotScalar
	}
	return nil, errNotScalar
}

var errNotScalar = errors.New("not a value of the expected type")

// kindWords says in words what a field of the kind expects.
func kindWords(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Float64:
		return "a number"
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "another type"
}

// hookError is returned by decodeHook; translateDecodeError adds the key mapstructure names.
type hookError struct {
	sub     string // key below the decoded value ("min"), or ""
	msg     string
	unknown bool     // sub is an unknown key
	allowed []string // the keys allowed beside it, when not those of the decoded type
}

func (e *hookError) Error() string { return e.msg }

var aggregateType = reflect.TypeOf(Aggregate{})

// decodeHook converts the loader's strings, lists and maps into the Go field types, with
// errors that say what was expected and quote nothing. Aggregates are decoded by hand.
func decodeHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	if to == aggregateType {
		return decodeAggregate(data)
	}
	switch to.Kind() {
	case reflect.String, reflect.Float64, reflect.Int, reflect.Bool:
		s, ok := data.(string)
		if !ok {
			return nil, &hookError{msg: "expected " + kindWords(to.Kind())}
		}
		v, err := parseScalar(s, to.Kind())
		if err != nil {
			return nil, &hookError{msg: "expected " + kindWords(to.Kind())}
		}
		return v, nil
	case reflect.Slice:
		if _, ok := data.([]any); !ok {
			return nil, &hookError{msg: "expected a list"}
		}
	case reflect.Map, reflect.Struct:
		if _, ok := data.(map[string]any); !ok {
			return nil, &hookError{msg: "expected a mapping"}
		}
	}
	return data, nil
}

// decodeAggregate decodes `persons`, or a map with one kind key naming the measure plus
// min, max, ranks (quantiles) and weight. Persons takes a weight as {persons: null, weight: 2}
// or {persons: {weight: 2}}.
func decodeAggregate(data any) (any, error) {
	if s, ok := data.(string); ok {
		if s != AggPersons {
			return nil, &hookError{msg: "expected persons, or a mapping such as {sum: COLUMN, min: 0, max: 100}"}
		}
		return Aggregate{Kind: AggPersons, Weight: defaultWeight}, nil
	}
	m, ok := data.(map[string]any)
	if !ok {
		return nil, &hookError{msg: "expected persons, or a mapping such as {sum: COLUMN, min: 0, max: 100}"}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	a := Aggregate{Weight: defaultWeight}
	var hasMin, hasMax bool
	for _, k := range keys {
		val := m[k]
		switch k {
		case AggPersons, AggSum, AggMean, AggQuantiles:
			if a.Kind != "" {
				return nil, &hookError{msg: "holds more than one of persons, sum, mean, quantiles"}
			}
			a.Kind = k
			if k == AggPersons {
				w, err := personsValue(val)
				if err != nil {
					return nil, err
				}
				if w != nil {
					a.Weight = *w
				}
				continue
			}
			s, ok := val.(string)
			if !ok || s == "" {
				return nil, &hookError{sub: k, msg: "expected the name of a measure column"}
			}
			a.Column = s
		case "min", "max", "weight":
			f, err := floatValue(val)
			if err != nil {
				return nil, &hookError{sub: k, msg: "expected a number"}
			}
			switch k {
			case "min":
				a.Min, hasMin = f, true
			case "max":
				a.Max, hasMax = f, true
			default:
				a.Weight = f
			}
		case "ranks":
			list, ok := val.([]any)
			if !ok {
				return nil, &hookError{sub: k, msg: "expected a list of numbers"}
			}
			a.Ranks = make([]float64, 0, len(list))
			for i, item := range list {
				f, err := floatValue(item)
				if err != nil {
					return nil, &hookError{sub: fmt.Sprintf("%s[%d]", k, i), msg: "expected a number"}
				}
				a.Ranks = append(a.Ranks, f)
			}
		default:
			return nil, &hookError{sub: k, unknown: true}
		}
	}
	switch a.Kind {
	case "":
		return nil, &hookError{msg: "needs one of persons, sum, mean, quantiles"}
	case AggPersons:
		if hasMin || hasMax || a.Ranks != nil {
			return nil, &hookError{msg: "persons takes no min, max or ranks"}
		}
	default:
		if !hasMin || !hasMax {
			return nil, &hookError{msg: a.Kind + " needs min and max (the clamping bounds)"}
		}
		if a.Ranks != nil && a.Kind != AggQuantiles {
			return nil, &hookError{sub: "ranks", msg: "only quantiles take ranks"}
		}
		if a.Ranks == nil && a.Kind == AggQuantiles {
			return nil, &hookError{sub: "ranks", msg: "quantiles need ranks, e.g. [0.5, 0.9]"}
		}
	}
	return a, nil
}

// personsValue reads the value of a persons key: empty (null, "", true), or a mapping
// holding only weight ({persons: {weight: 2}}). It returns that weight, if any.
func personsValue(val any) (*float64, error) {
	switch v := val.(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" || v == "true" {
			return nil, nil
		}
	case map[string]any:
		var w *float64
		for k, x := range v {
			if k != "weight" {
				return nil, &hookError{sub: AggPersons + "." + k, unknown: true, allowed: []string{"weight"}}
			}
			f, err := floatValue(x)
			if err != nil {
				return nil, &hookError{sub: AggPersons + ".weight", msg: "expected a number"}
			}
			w = &f
		}
		return w, nil
	}
	return nil, &hookError{sub: AggPersons, msg: "takes no value (write persons, {persons: null, weight: 2} or {persons: {weight: 2}})"}
}

func floatValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, errNotScalar
	}
	f, err := parseScalar(s, reflect.Float64)
	if err != nil {
		return 0, err
	}
	return f.(float64), nil
}

// mapKeyIndex matches a map key in a mapstructure field name: derive[age_band].
var mapKeyIndex = regexp.MustCompile(`\[([^\]]*[^\]0-9][^\]]*)\]`)

// displayKey turns a mapstructure field name into the dotted key users write.
func displayKey(name string) string {
	return mapKeyIndex.ReplaceAllString(name, ".$1")
}

// translateDecodeError turns mapstructure's errors into *Error values naming the key.
func translateDecodeError(err error) error {
	var out problems
	var walk func(error)
	walk = func(e error) {
		if de, ok := e.(*mapstructure.DecodeError); ok {
			out = append(out, decodeProblems(de)...)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		if inner := errors.Unwrap(e); inner != nil {
			walk(inner)
			return
		}
		out.add("", "the config cannot be decoded")
	}
	walk(err)
	return out.err()
}

func decodeProblems(de *mapstructure.DecodeError) []error {
	key := displayKey(de.Name())
	inner := de.Unwrap()
	var he *hookError
	if errors.As(inner, &he) {
		if he.unknown {
			if he.allowed != nil {
				return []error{&Error{Key: key, Msg: fmt.Sprintf("unknown key %q (allowed: %s)", joinKey(key, he.sub), strings.Join(he.allowed, ", "))}}
			}
			return []error{unknownKey(de.Name(), key, he.sub)}
		}
		if he.sub != "" {
			key = joinKey(key, he.sub)
		}
		return []error{&Error{Key: key, Msg: he.msg}}
	}
	var ute *mapstructure.UnconvertibleTypeError
	if errors.As(inner, &ute) {
		return []error{&Error{Key: key, Msg: "expected " + kindWords(ute.Expected.Kind())}}
	}
	const invalid = "has invalid keys: "
	if msg := inner.Error(); strings.HasPrefix(msg, invalid) {
		var errs []error
		for _, k := range strings.Split(strings.TrimPrefix(msg, invalid), ", ") {
			errs = append(errs, unknownKey(de.Name(), key, k))
		}
		return errs
	}
	return []error{&Error{Key: key, Msg: "has the wrong type"}}
}

// unknownKey reports key sub below parent, listing the keys allowed there.
func unknownKey(structName, parent, sub string) error {
	msg := fmt.Sprintf("unknown key %q", joinKey(parent, sub))
	if allowed := allowedKeys(structName); len(allowed) > 0 {
		msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
	}
	return &Error{Key: parent, Msg: msg}
}

// nameToken splits a mapstructure field name into field names and [index] parts.
var nameToken = regexp.MustCompile(`[^.\[\]]+|\[[^\]]*\]`)

// allowedKeys lists the keys of the struct a mapstructure field name points at.
func allowedKeys(name string) []string {
	t := reflect.TypeOf(Job{})
	for _, tok := range nameToken.FindAllString(name, -1) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if strings.HasPrefix(tok, "[") {
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Map {
				return nil
			}
			t = t.Elem()
			continue
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByTag(t, tok)
		if !ok {
			return nil
		}
		t = f.Type
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == aggregateType {
		return []string{"persons", "sum", "mean", "quantiles", "min", "max", "ranks", "weight"}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if tag := tagName(t.Field(i)); tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if strings.EqualFold(tagName(t.Field(i)), tag) {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// applyListDefaults fills the defaults of list items and map entries, which viper's
// defaults cannot reach.
func (j *Job) applyListDefaults() {
	for i := range j.Columns {
		if j.Columns[i].Role == RolePersonID && j.Columns[i].Format == "" {
			j.Columns[i].Format = defaultPersonIDFormat
		}
	}
	for name, d := range j.Derive {
		if d.Kind() == DeriveAgeBand && d.AgeAt == "" {
			d.AgeAt = defaultAgeAt
			j.Derive[name] = d
		}
	}
	for i := range j.Tables {
		if j.Tables[i].Partitions == "" {
			j.Tables[i].Partitions = PartitionsPrivate
		}
	}
	if j.Source.Delimiter == `\t` {
		j.Source.Delimiter = "\t"
	}
}

// personsFirst makes persons every table's first aggregate, inserting it (weight 1) where
// the config does not list it: it is always computed, as the threshold needs it.
func (j *Job) personsFirst() {
	for i := range j.Tables {
		t := &j.Tables[i]
		at := slices.IndexFunc(t.Aggregates, func(a Aggregate) bool { return a.Kind == AggPersons })
		switch {
		case at < 0:
			t.Aggregates = append([]Aggregate{{Kind: AggPersons, Weight: defaultWeight}}, t.Aggregates...)
		case at > 0:
			p := t.Aggregates[at]
			t.Aggregates = slices.Insert(slices.Delete(slices.Clone(t.Aggregates), at, at+1), 0, p)
		}
	}
}

// resolvePaths makes every path absolute against the config file's directory.
func (j *Job) resolvePaths() {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(j.Dir, *p)
		}
	}
	abs(&j.Source.Path)
	abs(&j.Consent.Withdrawn)
	abs(&j.Budget.Ledger)
	abs(&j.Output.Dir)
	abs(&j.Report.SigningKey)
	for i := range j.Tables {
		for k := range j.Tables[i].PublicValues {
			abs(&j.Tables[i].PublicValues[k].File)
		}
	}
}

// readPublicValueFiles loads every public_values file into Values.
func (j *Job) readPublicValueFiles() error {
	var errs problems
	for i := range j.Tables {
		for k := range j.Tables[i].PublicValues {
			pv := &j.Tables[i].PublicValues[k]
			if pv.File == "" {
				continue
			}
			key := fmt.Sprintf("tables[%d].public_values[%d]", i, k)
			if pv.Values != nil {
				errs.add(key, "give values or file, not both")
				continue
			}
			vals, err := readValuesFile(pv.File)
			if err != nil {
				errs.add(key+".file", err.Error())
				continue
			}
			pv.Values = vals
		}
	}
	return errs.err()
}

// maxValuesFile bounds a public-values file: it lists values, not data.
const maxValuesFile = 16 << 20

// readValuesFile reads one value a line: UTF-8, BOM allowed, blank lines ignored, trimmed.
// Its errors cite a line number, never a value.
func readValuesFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New("the file " + ioReason(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("must be a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxValuesFile+1))
	if err != nil {
		return nil, errors.New("the file " + ioReason(err))
	}
	if len(data) > maxValuesFile {
		return nil, fmt.Errorf("the file is larger than %d bytes", maxValuesFile)
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	vals := []string{}
	for n, line := range strings.Split(text, "\n") {
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d: not valid UTF-8", n+1)
		}
		if s := strings.TrimSpace(line); s != "" {
			vals = append(vals, s)
		}
	}
	return vals, nil
}
