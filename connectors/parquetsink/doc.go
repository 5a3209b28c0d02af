// Package parquetsink writes the release's output tables as Parquet files and reads Parquet
// files back.
//
// Write is the only way the pipeline puts a table on disk: a fixed, ordered schema of
// nullable string, int64, double and bool columns, footer key-value metadata, fsync, and a
// re-read of the written file to prove it holds exactly the table. Read and Open read any
// Parquet file (strings, integers, floats, booleans, dates, timestamps, decimals, nested and
// repeated columns) as plain typed values, for `scan` and `audit`, which look at files they
// did not write.
//
// It must never put a cell value in an error message: errors name the file, the column and
// the row index, and the expected type.
package parquetsink
