// Package parquetsource reads a Parquet extract as Arrow record batches. It implements
// connectors.Source for the "parquet" source type of SPEC.md.
//
// The file is read with Arrow's pqarrow, row group by row group and page by page (buffered
// streams), and only the columns in Options.Keep are decoded: memory is bounded by the batch
// size and the page size, not by the file. Columns are the top-level fields, named exactly as
// the file spells them. Kept columns are handed out with these Arrow types:
//
//	string, large string, UTF-8 binary        → string (binary that is not UTF-8 fails, citing the record)
//	int8 … int64, uint8 … uint64              → int64 (a uint64 above MaxInt64 fails, citing the record)
//	float16, float32, float64                 → float64 (float16/32 via their shortest decimal: 0.1 stays 0.1)
//	decimal (any precision)                   → float64, the nearest double (exact for up to 15 significant digits)
//	date32, date64                            → date32
//	timestamp (any unit, with or without zone) → timestamp[us], the zone kept as the file declares it
//	bool                                      → bool
//	a column of nulls only                    → string (all null)
//
// Nulls stay nulls. A kept column of any other type (time of day, interval, binary that is not
// text) fails Open with connectors.ErrType; a kept list, struct or map fails with
// connectors.ErrNested. Columns that are not kept may have any type and are never read.
// Batch.Rows are 1-based record numbers. Stats.SHA256 is the file's hash, computed by a
// streaming read at Open and reported once the last batch has been read.
//
// What it must never do: put a value into an error (decoding failures are reported as
// ErrMalformed without the library's message), decode a column that is not kept, or write
// anything to disk.
package parquetsource
