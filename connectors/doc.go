// Package connectors is the seam every source plugs into: the Source interface (open, Columns,
// Next record batch until io.EOF, Close), its Options, and ParseError, which locates malformed
// input by file, row and column and has no field for the value, so no value can leak through it.
// The sources live in subpackages; connectors/open picks one by type.
package connectors
