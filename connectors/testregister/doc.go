// Package testregister writes test registers in the formats of the typed and structured
// sources — XLSX, Parquet, JSON Lines — and loads them into a PostgreSQL table, so that tests,
// end-to-end checks and benchmarks can feed every source the same rows (for instance the
// generated register of cmd/synthreg/synth, see Synth).
//
// Values are typed once (Column.Kind) and each writer stores them the way a vendor system
// would: text as text cells / strings / text columns, numbers as number cells / float64 /
// numeric, dates as date-formatted serials / date32 / date. A nil value is an empty cell, a
// null, or an absent JSON key.
//
// It is for tests and tooling only, never for the pipeline. It writes only the file it is
// given (excelize may buffer a very large sheet in the OS temp directory while writing;
// the data is synthetic) and never logs a value.
package testregister
