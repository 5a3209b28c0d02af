// Package config loads, overrides, defaults and validates a job's YAML configuration
// (SPEC.md "Job config"), and answers the questions the pipeline asks of it (output
// directory, time zone, output column names, the effective config for the report).
//
// The struct tags in types.go are the single declaration of every key: the loader decodes
// with them (spf13/viper, exact: an unknown key is an error), derives the
// STATEXPORT_<SECTION>_<KEY> override variables from them and renders the effective config
// with them.
//
// config never touches data: it reads the config file and the small files the config names
// for public values, and nothing else. Its errors are *Error values that name a key (or an
// environment variable, or a file and line) and what is allowed; they never quote a value
// from the config, the environment or a source, so no personal data can leak through them.
package config
