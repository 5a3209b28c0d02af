// Package xlsxsource reads one sheet of an Excel workbook (.xlsx) as Arrow record batches.
// It implements connectors.Source for the "xlsx" source type of SPEC.md.
//
// Reading. excelize/v2 opens the workbook with both of its unzip limits set to
// MaxUnzippedBytes and its temporary directory pointed at a path where nothing can be created,
// so no worksheet or shared-strings part is ever extracted to disk (by default excelize spills
// parts larger than 16 MB to the OS temp directory: raw personal data on disk, which SPEC.md
// forbids). The whole unzipped workbook therefore sits in memory: a workbook whose parts unzip
// to more than MaxUnzippedBytes (512 MiB, roughly five to ten million filled cells) fails at
// Open with connectors.ErrTooLarge before anything is unzipped; export such a register as CSV.
// The selected sheet's XML is then walked token by token (never decoded into a whole-sheet
// structure), so the memory beyond the workbook's own bytes is bounded by the batch size.
//
// Sheet and header. Options.Sheet selects the sheet by name; empty selects the first sheet in
// workbook order. The header is the first row holding a non-empty cell; its cells up to the
// last non-empty one name the columns, exactly as written (an empty or repeated name fails
// with connectors.ErrHeader). Rows before the header and entirely empty rows after it are
// skipped. A non-empty cell to the right of the header's last column fails with
// connectors.ErrFieldCount. Batch.Rows are sheet row numbers (SPEC.md).
//
// Values. Every kept column is an Arrow string column; a missing or empty cell is the empty
// string (as in CSV), never null. A cell's text is:
//
//   - text cells (shared, inline or formula strings): the text as stored, so numbers stored as
//     text keep their decimal comma ("1 234,50") for the decimal rules of SPEC.md;
//   - number cells with a date or date-time format (built-in or custom): the date as
//     yyyy-mm-dd (the 1900 and 1904 date systems; any time of day is dropped); a serial outside
//     1900-01-01…9999-12-31, or Excel's phantom 1900-02-29, is written as a plain number
//     instead, so the row is rejected as an unreadable date;
//   - other number cells: plain decimal text with '.', no exponent, no grouping, rounded to 15
//     significant digits as Excel displays them, so binary float noise such as
//     0.30000000000000004 reads 0.3; the cell's display format (decimals, percent,
//     thousands separators) is deliberately ignored;
//   - ISO 8601 date cells (t="d"): the yyyy-mm-dd part; booleans: true or false (as Parquet
//     and PostgreSQL booleans read); error cells: the error code (#N/A).
//
// A number cell that is not formatted as a date stays a number even if it is a date serial:
// only the cell format tells dates apart.
//
// What it must never do: put a cell value into an error, write anything to disk, or build
// the value of a column that is not kept.
package xlsxsource
