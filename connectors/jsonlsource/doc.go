// Package jsonlsource reads a JSON Lines extract (one JSON object a line) as Arrow record
// batches. It implements connectors.Source for the "jsonl" source type of SPEC.md.
//
// Rules, chosen so that every source column is known before the first batch (SPEC.md needs a
// role for every column):
//
//   - Columns is the union of the top-level keys of every record, in first-seen order. Open
//     finds it with a first streaming pass over the file (keys only; memory is bounded by the
//     number of distinct keys, at most MaxKeys); Next reads the file a second time.
//   - Every kept column is an Arrow string column: a JSON string is its text as written (the
//     string "2.4e3" stays "2.4e3"), true and false the text "true" and "false", and null or a
//     missing key an Arrow null. A JSON number is its canonical plain decimal text, as SPEC.md
//     wants numbers of typed sources formatted: no exponent, no trailing zeros after the point
//     nor a trailing point, a single 0 before the point below one, "0" for any zero (no "-0"):
//     2400.0 → "2400", 1.021e4 → "10210", 1.5e-3 → "0.0015", -1.50 → "-1.5". It is computed on
//     the decimal digits, never through float64, so every digit is kept
//     (12345678901234567890 stays exact). A number whose plain form would exceed 400 digits
//     (and its literal's length), such as 1e999, keeps its literal text instead of making
//     the reader allocate a huge string.
//   - A nested value (object or array) fails with *connectors.ParseError wrapping
//     connectors.ErrNested, citing the line and the key; a line that is not valid JSON, not an
//     object, repeats a key, or is not valid UTF-8 fails citing the line. A UTF-8 BOM at the
//     start of the file is ignored; CRLF line ends are accepted.
//   - Blank lines are allowed only at the end of the file, so that the line number and the
//     1-based record number (SPEC.md's row number for JSONL) are always the same.
//   - A line longer than MaxLineBytes fails with connectors.ErrTooLarge.
//
// Memory is bounded by the batch size and the longest line, never by the file size.
// Stats.SHA256 is the hash of the bytes read by the second pass, set once it reaches the end.
//
// Lines are parsed by a small hand-written scanner for flat objects (RFC 8259 syntax; checked
// against encoding/json by a differential fuzz target): about ten times faster than
// encoding/json's token API, and its errors are sentinels that never quote the input.
//
// What it must never do: put a value into an error, materialise the value of a column that
// is not kept, or write anything to disk.
package jsonlsource
