// Package pgsource reads a PostgreSQL table or query as Arrow record batches. It implements
// connectors.Source for the "postgres" source type of SPEC.md.
//
// Connection. Options.DSN is the connection string (the pipeline reads it from the
// environment variable that source.dsn_env names; it never sits in a file). Every statement
// runs in one READ ONLY transaction, which is rolled back at Close: the source cannot change
// the database. Options.Table (an identifier, optionally schema-qualified as schema.table;
// each part is quoted, so names are case-sensitive) or Options.Query (one SELECT statement
// without parameters) names what is read.
//
// Columns. Open describes the statement without running it (a Parse/Describe round trip) to
// learn every column's name and type, then runs a statement that selects only the kept
// columns (SELECT "a", "b" FROM <table or (query)>), so columns that are not kept never leave
// the server. Rows are streamed as they arrive (pgx reads the result incrementally): memory is
// bounded by the batch size. Batch.Rows are 1-based record numbers in result order (add
// ORDER BY to a query for a stable order). Stats.SHA256 is always empty.
//
// Types of kept columns:
//
//	text, varchar, char, name                         → string
//	int2, int4, int8                                  → int64
//	float4, float8                                    → float64 (float4 via its shortest decimal: 0.1 stays 0.1)
//	numeric                                           → float64 (the nearest double; NaN stays NaN)
//	date                                              → date32
//	timestamp                                         → timestamp[us] without zone (wall time)
//	timestamptz                                       → timestamp[us, UTC]
//	bool                                              → bool
//
// Nulls stay nulls. A kept column of another type (uuid, json, arrays, bytea, intervals…)
// fails Open with connectors.ErrType naming the column; an infinite date or timestamp fails
// Next with ErrValue citing the record and column.
//
// What it must never do: put the DSN, a host, a user name or a value into an error or log
// line. Driver and server errors are replaced by a generic message with the SQLSTATE code
// (server messages can quote values, connection errors the DSN).
package pgsource
