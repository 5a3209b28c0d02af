// Package csvsource reads a delimited text extract (CSV) as Arrow record batches.
//
// It implements connectors.Source for the "csv" source type of SPEC.md: it detects or applies
// the declared encoding (UTF-8, Windows-1252, ISO-8859-15) and delimiter (";" "," tab "|"),
// follows RFC 4180 quoting (embedded delimiters, doubled quotes, line breaks inside quotes),
// accepts CRLF and LF line ends, skips blank lines, and hands out only the columns listed in
// Options.Keep, as Arrow string columns holding the decoded field text exactly as written.
// Batch.Rows cites the physical line where each record starts (the header is line 1).
//
// The file is streamed in large chunks: memory is bounded by the batch size and the longest
// record, never by the file size. The file's sha256 is computed while it is read.
//
// What it must never do: put a field value into an error, a log line or a panic message;
// materialise the value of a column that is not kept (identifiers are dropped here, at the
// connector boundary); keep rows it was not asked for; or read the file twice.
package csvsource
