package pgsource

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/statexport/statexport/connectors/sourcetest"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/statexport/statexport/connectors"
)

// testDSN returns the test server's DSN from PG_TEST_DSN (set by .ci/postgres.sh). Without
// it the test fails in CI and is skipped elsewhere.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PG_TEST_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PG_TEST_DSN is not set: .ci/postgres.sh must start a PostgreSQL cluster in CI")
		}
		t.Skip("PG_TEST_DSN not set: run `eval \"$(.ci/postgres.sh start)\"` for the postgres tests")
	}
	return dsn
}

// setup creates a fresh schema holding the test tables and returns its name.
func setup(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("pgsource_test_%d", time.Now().UnixNano())
	stmts := []string{
		`CREATE SCHEMA ` + schema,
		`CREATE TABLE ` + schema + `.types (id int4, t text, vc varchar(20), ch char(3), nm name, i2 int2, i8 int8,
			f4 float4, f8 float8, num numeric(12,2), d date, ts timestamp, tstz timestamptz, b bool, u uuid, j jsonb)`,
		`INSERT INTO ` + schema + `.types VALUES
			(1, 'Äijä', 'x', 'ab', 'n', -3, 9007199254740993, 0.1, 123.45, 1234.50, '2024-02-29', '2024-03-01 23:30:00.123456', '2024-03-01 23:30:00+02', true, '6b7b9ad5-0a52-4a9a-9a39-0d0c3b3c2f10', '{"a":1}'),
			(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
			(3, '', '', '', '', 32767, -1, -2.25, 'NaN', -0.05, '1969-12-31', '1900-01-01 00:00:00', '1970-01-01 00:00:00+00', false, NULL, NULL)`,
		`CREATE TABLE ` + schema + `."Mixed Case" ("Nimi" text, "hetu" text)`,
		`INSERT INTO ` + schema + `."Mixed Case" SELECT 'n' || g, 'h' || g FROM generate_series(1, 10) g`,
		`CREATE SEQUENCE ` + schema + `.seq`,
		`CREATE TABLE ` + schema + `.inf (d date)`,
		`INSERT INTO ` + schema + `.inf VALUES ('2024-01-01'), ('infinity')`,
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("set up the test schema: %v", err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
	})
	return schema
}

func readAll(t *testing.T, s *Source) ([][]string, []int64, error) {
	t.Helper()
	res, err := sourcetest.ReadAllTyped(context.Background(), s)
	return res.Values, res.Rows, err
}

func TestRead(t *testing.T) {
	dsn := testDSN(t)
	schema := setup(t, dsn)
	typesQuery := `SELECT * FROM ` + schema + `.types ORDER BY id;`
	tests := []struct {
		name  string
		opts  connectors.Options
		cols  []string
		vals  [][]string
		rows  []int64
		batch int
	}{
		{
			name: "every supported type, query with a trailing semicolon",
			opts: connectors.Options{Query: typesQuery, Keep: []string{"t", "vc", "ch", "nm", "i2", "i8", "f4", "f8", "num", "d", "ts", "tstz", "b"}},
			cols: []string{"id", "t", "vc", "ch", "nm", "i2", "i8", "f4", "f8", "num", "d", "ts", "tstz", "b", "u", "j"},
			vals: [][]string{
				{"string:Äijä", "string:x", "string:ab ", "string:n", "int64:-3", "int64:9007199254740993", "float64:0.1", "float64:123.45", "float64:1234.5",
					"date32:2024-02-29", `timestamp[us,""]:2024-03-01T23:30:00.123456Z`, `timestamp[us,"UTC"]:2024-03-01T21:30:00Z`, "bool:true"},
				{"null", "null", "null", "null", "null", "null", "null", "null", "null", "null", "null", "null", "null"},
				{"string:", "string:", "string:   ", "string:", "int64:32767", "int64:-1", "float64:-2.25", "float64:NaN", "float64:-0.05",
					"date32:1969-12-31", `timestamp[us,""]:1900-01-01T00:00:00Z`, `timestamp[us,"UTC"]:1970-01-01T00:00:00Z`, "bool:false"},
			},
			rows: []int64{1, 2, 3},
		},
		{
			name:  "quoted schema-qualified table, kept subset in keep order, batches of 4",
			opts:  connectors.Options{Table: schema + ".Mixed Case", Keep: []string{"hetu", "Nimi"}},
			batch: 4,
			cols:  []string{"Nimi", "hetu"},
			vals: [][]string{{"string:h1", "string:n1"}, {"string:h2", "string:n2"}, {"string:h3", "string:n3"}, {"string:h4", "string:n4"}, {"string:h5", "string:n5"},
				{"string:h6", "string:n6"}, {"string:h7", "string:n7"}, {"string:h8", "string:n8"}, {"string:h9", "string:n9"}, {"string:h10", "string:n10"}},
			rows: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		},
		{
			name: "the transaction is read only",
			opts: connectors.Options{Query: "SELECT current_setting('transaction_read_only') AS ro", Keep: []string{"ro"}},
			cols: []string{"ro"},
			vals: [][]string{{"string:on"}},
			rows: []int64{1},
		},
		{
			name: "keep nothing still counts records",
			opts: connectors.Options{Table: schema + ".Mixed Case"},
			cols: []string{"Nimi", "hetu"},
			vals: [][]string{{}, {}, {}, {}, {}, {}, {}, {}, {}, {}},
			rows: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			tc.opts.DSN, tc.opts.BatchRows = dsn, tc.batch
			s, err := OpenWithAllocator(tc.opts, mem)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := s.Columns(); !reflect.DeepEqual(got, tc.cols) {
				t.Errorf("Columns() = %q, want %q", got, tc.cols)
			}
			vals, rows, err := readAll(t, s)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if !reflect.DeepEqual(vals, tc.vals) {
				t.Errorf("values:\n got %q\nwant %q", vals, tc.vals)
			}
			if !reflect.DeepEqual(rows, tc.rows) {
				t.Errorf("rows = %v, want %v", rows, tc.rows)
			}
			if st := s.Stats(); st.Records != int64(len(tc.rows)) || st.SHA256 != "" {
				t.Errorf("Stats() = %+v", st)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			s.Close()
			mem.AssertSize(t, 0)
		})
	}
}

func TestErrors(t *testing.T) {
	dsn := testDSN(t)
	schema := setup(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	wrongPW := *u
	wrongPW.User = url.UserPassword(u.User.Username(), "SECRETPW")
	noServer := *u
	noServer.Host = "127.0.0.1:1"
	tests := []struct {
		name   string
		opts   connectors.Options
		err    error
		parse  bool // a *connectors.ParseError
		row    int64
		col    string
		index  int
		inText string // the message must contain this
	}{
		{name: "absent column", opts: connectors.Options{DSN: dsn, Table: schema + ".types", Keep: []string{"nope"}}, err: connectors.ErrUnknownField, parse: true, col: "nope"},
		{name: "unsupported type", opts: connectors.Options{DSN: dsn, Table: schema + ".types", Keep: []string{"u"}}, err: connectors.ErrType, parse: true, col: "u"},
		{name: "repeated column name", opts: connectors.Options{DSN: dsn, Query: "SELECT 1 AS a, 2 AS a"}, err: connectors.ErrHeader, parse: true, index: 2},
		{name: "infinite date", opts: connectors.Options{DSN: dsn, Query: "SELECT d FROM " + schema + ".inf ORDER BY d", Keep: []string{"d"}}, err: ErrValue, parse: true, row: 2, col: "d"},
		{name: "no such table", opts: connectors.Options{DSN: dsn, Table: schema + ".missing"}, err: ErrDatabase, inText: "SQLSTATE 42P01"},
		{name: "value error in the server", opts: connectors.Options{DSN: dsn, Query: "SELECT 'SECRET'::int AS a", Keep: []string{"a"}}, err: ErrDatabase, inText: "SQLSTATE 22P02"},
		{name: "a writing function is refused", opts: connectors.Options{DSN: dsn, Query: "SELECT nextval('" + schema + ".seq') AS n", Keep: []string{"n"}}, err: ErrDatabase, inText: "SQLSTATE 25006"},
		{name: "wrong password", opts: connectors.Options{DSN: wrongPW.String(), Table: "x"}, err: ErrDatabase, inText: "SQLSTATE 28P01"},
		{name: "no server", opts: connectors.Options{DSN: noServer.String(), Table: "x"}, err: ErrDatabase, inText: "connect"},
		{name: "unparsable dsn", opts: connectors.Options{DSN: "postgres://SECRETUSER:SECRETPW@[::1", Table: "x"}, err: ErrDatabase, inText: "DSN"},
		{name: "table and query", opts: connectors.Options{DSN: dsn, Table: "x", Query: "SELECT 1"}, err: ErrOptions},
		{name: "no dsn", opts: connectors.Options{Table: "x"}, err: ErrOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.opts)
			if err == nil {
				_, _, err = readAll(t, s)
				s.Close()
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			var pe *connectors.ParseError
			if errors.As(err, &pe) != tc.parse {
				t.Fatalf("error = %v: ParseError %v, want %v", err, !tc.parse, tc.parse)
			}
			if tc.parse && (pe.File != File || pe.Row != tc.row || pe.Column != tc.col || pe.Index != tc.index) {
				t.Errorf("error = %+v, want row %d column %q index %d", *pe, tc.row, tc.col, tc.index)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.inText) {
				t.Errorf("error %q does not say %q", msg, tc.inText)
			}
			for _, secret := range []string{"SECRET", pw, u.Host, u.Hostname(), "127.0.0.1", u.User.Username() + "@", "statexport_test"} {
				if secret != "" && strings.Contains(msg, secret) {
					t.Errorf("error %q quotes %q", msg, secret)
				}
			}
		})
	}
	// The refused write above must have changed nothing.
	s, err := Open(connectors.Options{DSN: dsn, Table: schema + ".types"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, rows, err := readAll(t, s)
	if err != nil || len(rows) != 3 {
		t.Errorf("types holds %d rows (%v) after the refused DELETE, want 3", len(rows), err)
	}
}
