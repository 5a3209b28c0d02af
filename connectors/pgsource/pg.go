package pgsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/statexport/statexport/connectors"
)

// DefaultBatchRows is the batch size used when Options.BatchRows is 0.
const DefaultBatchRows = 65536

// File is what *connectors.ParseError.File holds for this source.
const File = "postgres"

// Errors of this package. ErrDatabase is wrapped (with the SQLSTATE code where the server gave
// one) by every driver or server failure; its message never holds the DSN or a value.
var (
	ErrDatabase = errors.New("postgres source")
	ErrValue    = errors.New("value outside the column's type (an infinite date or timestamp)")
	ErrOptions  = errors.New("postgres source: needs a DSN and exactly one of table or query")
)

// Source reads the result of one statement. It implements connectors.Source; Open creates it.
type Source struct {
	mem     memory.Allocator
	conn    *pgx.Conn
	tx      pgx.Tx
	rows    pgx.Rows
	cols    []string
	keep    []string
	kinds   []kind
	schema  *arrow.Schema
	batch   int
	records int64
	done    bool
	err     error
	closed  bool
}

var _ connectors.Source = (*Source)(nil)

// kind is how a kept column is scanned and built.
type kind uint8

const (
	kString kind = iota
	kInt
	kFloat
	kFloat32 // float4: widened through its shortest decimal (0.1 stays 0.1)
	kDate
	kTimestamp
	kTimestampTZ
	kBool
)

func kindOf(oid uint32) (kind, bool) {
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return kString, true
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return kInt, true
	case pgtype.Float4OID:
		return kFloat32, true
	case pgtype.Float8OID, pgtype.NumericOID:
		return kFloat, true
	case pgtype.DateOID:
		return kDate, true
	case pgtype.TimestampOID:
		return kTimestamp, true
	case pgtype.TimestamptzOID:
		return kTimestampTZ, true
	case pgtype.BoolOID:
		return kBool, true
	}
	return 0, false
}

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kInt:
		return arrow.PrimitiveTypes.Int64
	case kFloat, kFloat32:
		return arrow.PrimitiveTypes.Float64
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kTimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// Open is OpenContext with a background context (connecting gives up after the DSN's
// connect_timeout, or DefaultConnectTimeout when it sets none).
func Open(opts connectors.Options) (*Source, error) {
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return OpenContext(context.Background(), opts, mem)
}

// OpenWithAllocator is Open with every batch's buffers taken from mem.
func OpenWithAllocator(opts connectors.Options, mem memory.Allocator) (*Source, error) {
	return OpenContext(context.Background(), opts, mem)
}

// DefaultConnectTimeout bounds connecting when the DSN sets no connect_timeout.
const DefaultConnectTimeout = 30 * time.Second

// OpenContext connects with opts.DSN, begins a READ ONLY transaction, describes opts.Table or
// opts.Query and starts streaming the kept columns. It fails with ErrOptions, with an error
// wrapping ErrDatabase (connection, permission, syntax: SQLSTATE only), or with
// *connectors.ParseError wrapping connectors.ErrHeader (a repeated or empty column name),
// connectors.ErrUnknownField or connectors.ErrType. Only DSN, Table, Query, Keep and
// BatchRows are used. Batches are built with mem.
func OpenContext(ctx context.Context, opts connectors.Options, mem memory.Allocator) (_ *Source, err error) {
	if opts.DSN == "" || (opts.Table == "") == (opts.Query == "") {
		return nil, ErrOptions
	}
	from, err := fromClause(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("%w: the DSN cannot be parsed", ErrDatabase) // its message may quote the DSN
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	s := &Source{mem: mem, batch: opts.BatchRows}
	if s.batch <= 0 {
		s.batch = DefaultBatchRows
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, dbError("connect", err)
	}
	if s.tx, err = s.conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}); err != nil {
		return nil, dbError("begin a read-only transaction", err)
	}
	sd, err := s.tx.Conn().PgConn().Prepare(ctx, "", "SELECT * FROM "+from, nil)
	if err != nil {
		return nil, dbError("describe the "+what(opts), err)
	}
	oids := map[string]uint32{}
	for i, f := range sd.Fields {
		if _, dup := oids[f.Name]; dup || f.Name == "" || f.Name == "?column?" {
			return nil, &connectors.ParseError{File: File, Index: i + 1, Err: connectors.ErrHeader}
		}
		oids[f.Name] = f.DataTypeOID
		s.cols = append(s.cols, f.Name)
	}
	sel := make([]string, len(opts.Keep))
	fields := make([]arrow.Field, len(opts.Keep))
	seen := map[string]bool{}
	for i, k := range opts.Keep {
		oid, ok := oids[k]
		if !ok {
			return nil, &connectors.ParseError{File: File, Column: k, Err: connectors.ErrUnknownField}
		}
		if seen[k] {
			return nil, fmt.Errorf("postgres source: column %q kept twice", k)
		}
		seen[k] = true
		kd, ok := kindOf(oid)
		if !ok {
			return nil, &connectors.ParseError{File: File, Column: k, Err: connectors.ErrType}
		}
		s.kinds = append(s.kinds, kd)
		sel[i] = pgx.Identifier{k}.Sanitize()
		fields[i] = arrow.Field{Name: k, Type: kd.arrowType(), Nullable: true}
	}
	s.keep = append([]string(nil), opts.Keep...)
	s.schema = arrow.NewSchema(fields, nil)
	list := strings.Join(sel, ", ")
	if list == "" {
		list = "1"
	}
	if s.rows, err = s.tx.Query(ctx, "SELECT "+list+" FROM "+from); err != nil {
		return nil, dbError("read the "+what(opts), err)
	}
	return s, nil
}

func what(opts connectors.Options) string {
	if opts.Table != "" {
		return "table"
	}
	return "query"
}

// fromClause is the FROM item: the quoted table, or the query as a subquery.
func fromClause(opts connectors.Options) (string, error) {
	if opts.Table != "" {
		parts := strings.SplitN(opts.Table, ".", 2)
		for _, p := range parts {
			if p == "" {
				return "", fmt.Errorf("postgres source: table %q: want name or schema.name", opts.Table)
			}
		}
		return pgx.Identifier(parts).Sanitize(), nil
	}
	q := strings.TrimRight(strings.TrimSpace(opts.Query), "; \t\r\n")
	if q == "" {
		return "", ErrOptions
	}
	return "(" + q + "\n) AS statexport_source", nil
}

// dbError replaces a driver or server error by a message that names what failed and, for
// server errors, the SQLSTATE code and its class; never the server's text (it can quote
// values) nor the connection's (it names host, user and database).
func dbError(doing string, err error) error {
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("%w: %s: %w", ErrDatabase, doing, c)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %s: SQLSTATE %s (%s)", ErrDatabase, doing, pe.Code, sqlstateClass(pe.Code))
	}
	if pgconn.Timeout(err) {
		return fmt.Errorf("%w: %s: timed out", ErrDatabase, doing)
	}
	if doing == "connect" {
		return fmt.Errorf("%w: %s: failed (check the DSN variable and that the server accepts the connection)", ErrDatabase, doing)
	}
	// Connected earlier: the connection broke or the server went away mid-stream.
	return fmt.Errorf("%w: %s: failed (the connection was lost or the server stopped)", ErrDatabase, doing)
}

// sqlstateClass describes common SQLSTATE codes and classes in words.
func sqlstateClass(code string) string {
	switch code {
	case "42P01":
		return "no such table"
	case "42703":
		return "no such column"
	case "42601":
		return "syntax error"
	case "42501":
		return "permission denied"
	case "25006":
		return "writing in a read-only transaction"
	case "28P01", "28000":
		return "authentication failed"
	case "3D000":
		return "no such database"
	case "57014":
		return "statement cancelled"
	}
	if len(code) >= 2 {
		switch code[:2] {
		case "08":
			return "connection exception"
		case "22":
			return "data exception"
		case "42":
			return "syntax error or access rule violation"
		case "53":
			return "insufficient resources"
		}
	}
	return "server error"
}

// Columns returns every column of the table or query, in result order.
func (s *Source) Columns() []string { return append([]string(nil), s.cols...) }

// Stats reports the records read so far; SHA256 is always empty (not a file).
func (s *Source) Stats() connectors.Stats { return connectors.Stats{Records: s.records} }

// Next returns the next batch of at most Options.BatchRows records with the kept columns
// typed as the package documentation lists, or io.EOF after the last. Errors wrap ErrDatabase
// or are *connectors.ParseError (ErrValue, citing the record and column); after an error Next
// keeps returning it.
func (s *Source) Next(ctx context.Context) (connectors.Batch, error) {
	switch {
	case s.err != nil:
		return connectors.Batch{}, s.err
	case s.closed:
		return connectors.Batch{}, errors.New("postgres source: closed")
	case s.done:
		return connectors.Batch{}, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return connectors.Batch{}, err
	}
	b := newBuilders(s.mem, s.kinds)
	defer b.release()
	rows := make([]int64, 0, min(s.batch, 4096))
	for len(rows) < s.batch {
		if !s.rows.Next() {
			if err := s.rows.Err(); err != nil {
				s.err = dbError("read a row", err)
				return connectors.Batch{}, s.err
			}
			s.done = true
			break
		}
		if len(b.targets) > 0 {
			if err := s.rows.Scan(b.targets...); err != nil {
				s.err = dbError("decode a row", err)
				return connectors.Batch{}, s.err
			}
		}
		rec := s.records + 1
		if col := b.append(); col >= 0 {
			s.err = &connectors.ParseError{File: File, Row: rec, Column: s.keep[col], Err: ErrValue}
			return connectors.Batch{}, s.err
		}
		rows = append(rows, rec)
		s.records++
	}
	if len(rows) == 0 {
		return connectors.Batch{}, io.EOF
	}
	arrs := b.arrays()
	rec := array.NewRecord(s.schema, arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return connectors.Batch{Record: rec, Rows: rows}, nil
}

// Close ends the result, rolls the read-only transaction back and closes the connection. It
// is safe to call more than once.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	ctx := context.Background()
	if s.rows != nil {
		s.rows.Close()
	}
	if s.tx != nil {
		s.tx.Rollback(ctx)
	}
	if s.conn != nil {
		if err := s.conn.Close(ctx); err != nil {
			return dbError("close the connection", err)
		}
	}
	return nil
}
