// Package synth generates wholly synthetic municipal registers: realistic-looking daycare
// enrolment extracts (Finnish and Swedish names, streets, Uusimaa postal codes, phones,
// e-mails, daycare units, fees, hours, start dates, free-text notes) keyed by valid Finnish
// personal identity codes (HETU).
//
// Every value is made up. The generator never reads real data, and no row describes a real
// person: names, streets and units are drawn from short fixed lists, personal identity codes
// are built from a pseudo-random permutation of birth dates and individual numbers, and
// e-mail addresses use the reserved example.* domains. Any resemblance to a real person is a
// coincidence of common names.
//
// Generation is deterministic: the same Options (above all the same Seed) give the same rows
// in the same order, byte for byte in every writer, on every platform. Rows are streamed
// through a callback (Generate), so ten million rows never sit in memory; the writers
// (WriteCSV, WriteJSONL, WriteWithdrawn) are thin formatters over the same stream, and further
// writers (XLSX, Parquet, PostgreSQL) should be built the same way.
//
// The package must never read the clock, the environment or any file: the reference date of
// an extract is Options.AsOf, not today.
package synth
