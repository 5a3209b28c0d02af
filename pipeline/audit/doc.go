// Package audit verifies a published release from its report.json, as `statexport audit`
// does (SPEC.md "inspect, scan, audit"): the signature, the hash of every file the report
// names, that the tables hold no personal data, that every released cell has at least
// min_persons noisy persons, that Σ ε stays within the release's ε, that every noise scale
// matches the effective config, and that the controller's ledger holds the release.
//
// An audit recomputes what it checks from the report's own effective_config with its own
// small code, not with the pipeline's or the anonymize package's: a bug there must not hide
// itself here. It only reads; it never writes a file and never prints a cell value.
package audit
