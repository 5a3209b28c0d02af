package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/open"
)

// ErrUsage is wrapped by every error about the command line (exit code 2): an unknown or
// uninferable format, an option the format does not take, a malformed SOURCE.
var ErrUsage = errors.New("usage")

// Target is what to inspect, as the command line gives it.
type Target struct {
	Type      string // csv | xlsx | parquet | jsonl | postgres
	Path      string // file sources
	Sheet     string // xlsx
	Encoding  string // csv: auto | utf-8 | windows-1252 | iso-8859-15
	Delimiter string // csv: auto | ; | , | \t | |
	DSNEnv    string // postgres: the environment variable holding the DSN
	Table     string // postgres
	Query     string // postgres
}

func (t Target) describe() string {
	if t.Type == "postgres" {
		if t.Table != "" {
			return "the postgres table " + oneLine(t.Table)
		}
		return "a postgres query"
	}
	return t.Type + " file " + oneLine(filepath.Base(t.Path))
}

var envRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseTarget reads `inspect SOURCE [--format F] [--encoding E] [--delimiter D]`. A file's
// format is inferred from its extension when format is empty (.csv .tsv .txt, .xlsx,
// .parquet .pq, .jsonl .ndjson). A SOURCE of the form DSN_ENV:TABLE or DSN_ENV:SELECT ... is
// a PostgreSQL source (--format postgres, or inferred from that form): DSN_ENV names the
// environment variable holding the DSN, so the DSN never appears on the command line. An xlsx
// SOURCE may name a sheet as FILE#SHEET. Errors wrap ErrUsage.
func ParseTarget(source, format, encoding, delimiter string) (Target, error) {
	t := Target{Type: strings.ToLower(format)}
	if source == "" {
		return t, fmt.Errorf("%w: inspect: SOURCE is required", ErrUsage)
	}
	if i := strings.LastIndexByte(source, '#'); i > 0 && (t.Type == "" || t.Type == "xlsx") && inferFormat(source[:i]) == "xlsx" {
		t.Type, t.Sheet, source = "xlsx", source[i+1:], source[:i]
	}
	env, rest, hasColon := strings.Cut(source, ":")
	if t.Type == "" && hasColon && envRE.MatchString(env) && !strings.ContainsAny(source, `/\`) && inferFormat(source) == "" {
		t.Type = "postgres"
	}
	if t.Type == "" {
		if t.Type = inferFormat(source); t.Type == "" {
			return t, fmt.Errorf("%w: inspect: cannot tell the format of %s from its extension: pass --format csv|xlsx|parquet|jsonl|postgres", ErrUsage, filepath.Base(source))
		}
	}
	if !slices.Contains(open.Types, t.Type) {
		return t, fmt.Errorf("%w: --format: must be one of csv, xlsx, parquet, jsonl, postgres", ErrUsage)
	}
	if t.Type != "csv" && (encoding != "" || delimiter != "") {
		return t, fmt.Errorf("%w: --encoding and --delimiter are for csv sources only", ErrUsage)
	}
	if encoding != "" && !slices.Contains(config.Encodings, encoding) {
		return t, fmt.Errorf("%w: --encoding: must be one of %s", ErrUsage, strings.Join(config.Encodings, ", "))
	}
	switch delimiter {
	case `\t`, "tab":
		delimiter = "\t"
	}
	if delimiter != "" && !slices.Contains(config.Delimiters, delimiter) {
		return t, fmt.Errorf(`%w: --delimiter: must be one of auto, ";", ",", "\t", "|"`, ErrUsage)
	}
	t.Encoding, t.Delimiter = encoding, delimiter
	switch t.Type {
	case "postgres":
		if !hasColon || !envRE.MatchString(env) || strings.TrimSpace(rest) == "" {
			return t, fmt.Errorf("%w: inspect: a postgres SOURCE is DSN_ENV:TABLE or DSN_ENV:SELECT ... (DSN_ENV names the variable holding the DSN)", ErrUsage)
		}
		if strings.HasPrefix(env, config.EnvPrefix) {
			return t, fmt.Errorf("%w: inspect: DSN_ENV must not start with %s", ErrUsage, config.EnvPrefix)
		}
		t.DSNEnv = env
		rest = strings.TrimSpace(rest)
		if fields := strings.Fields(rest); len(fields) > 1 || strings.EqualFold(rest, "select") || strings.HasPrefix(strings.ToLower(rest), "select ") ||
			strings.HasPrefix(strings.ToLower(rest), "with ") {
			t.Query = rest
		} else {
			t.Table = rest
		}
	default:
		t.Path = source
	}
	return t, nil
}

// inferFormat maps a file name's extension to a source type, "" when unknown.
func inferFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return "csv"
	case ".xlsx", ".xlsm":
		return "xlsx"
	case ".parquet", ".pq":
		return "parquet"
	case ".jsonl", ".ndjson":
		return "jsonl"
	}
	return ""
}

// Options returns the connector options that open t; getenv reads the DSN variable of a
// postgres target (a missing or empty variable fails with ErrUsage).
func (t Target) Options(getenv func(string) string) (connectors.Options, error) {
	o := connectors.Options{Path: t.Path, Sheet: t.Sheet, Encoding: t.Encoding, Delimiter: t.Delimiter, Table: t.Table, Query: t.Query}
	if t.Type == "postgres" {
		if o.DSN = getenv(t.DSNEnv); o.DSN == "" {
			return o, fmt.Errorf("%w: inspect: the environment variable %s holding the DSN is not set", ErrUsage, t.DSNEnv)
		}
	}
	return o, nil
}

// Inspect profiles the first sampleRows records of t (DefaultSampleRows when 0) and writes the
// draft config to w. Usage errors wrap ErrUsage; the source's own errors (malformed data,
// I/O, database) and ErrHeaderless are returned as they are.
func Inspect(ctx context.Context, w io.Writer, t Target, getenv func(string) string, sampleRows int) error {
	if sampleRows <= 0 {
		sampleRows = DefaultSampleRows
	}
	opts, err := t.Options(getenv)
	if err != nil {
		return err
	}
	src, err := open.Source(t.Type, opts) // the header only
	if err != nil {
		return err
	}
	cols := src.Columns()
	if err := src.Close(); err != nil {
		return err
	}
	opts.Keep, opts.BatchRows = cols, min(sampleRows, 8192)
	if src, err = open.Source(t.Type, opts); err != nil {
		return err
	}
	defer src.Close()
	p, err := ProfileSource(ctx, src, sampleRows)
	if err != nil {
		return err
	}
	return WriteDraft(w, p, Suggest(p), t)
}
