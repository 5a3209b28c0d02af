// Package scan looks for personal data in files: the logic of `statexport scan` and of the
// run's pre-publication scan of its own tables.
//
// It reads Parquet, CSV (and .txt/.tsv), JSON Lines and XLSX files, runs every cell value and
// every column name through anonymize/pii, and reports each finding as file, row, column and
// kind. A column name that itself looks like personal data (a headerless extract) is cited
// by position ("column 3"), never by name.
//
// What it must never do: print, log, return or keep a scanned value. A Finding has no field
// for the value, and errors name only the file, the row and what was expected.
package scan
