package pgsource_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/pgsource"
	"github.com/statexport/statexport/connectors/sourcetest"
	"github.com/statexport/statexport/connectors/testregister"
)

// TestConformance runs the shared source suite against tables of the test server: once with
// every column text, once typed (measures numeric, start dates date). Each register is loaded
// with COPY and read through a query ordered by the load order.
func TestConformance(t *testing.T) {
	dsn := os.Getenv("PG_TEST_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PG_TEST_DSN is not set: .ci/postgres.sh must start a PostgreSQL cluster in CI")
		}
		t.Skip("PG_TEST_DSN not set: run `eval \"$(.ci/postgres.sh start)\"` for the postgres tests")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("pgsource_conf_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	var n atomic.Int64

	variants := []struct {
		name  string
		kinds map[string]testregister.Kind
	}{
		{"text", nil},
		{"typed", map[string]testregister.Kind{
			sourcetest.ColFee: testregister.Number, sourcetest.ColHours: testregister.Number, sourcetest.ColStartDate: testregister.Date}},
	}
	broken := []sourcetest.Broken{
		{Name: "repeated column name", Err: connectors.ErrHeader,
			Write: func(t *testing.T, _ string) (connectors.Options, []string) {
				return connectors.Options{DSN: dsn, Query: "SELECT 'Salaisuus' AS a, 'Toinen' AS a"}, []string{"Salaisuus", "Toinen"}
			}},
		{Name: "infinite date", Err: pgsource.ErrValue, Row: 2, Column: "pvm",
			Write: func(t *testing.T, _ string) (connectors.Options, []string) {
				return connectors.Options{DSN: dsn, Query: "SELECT * FROM (VALUES (1, 'Salaisuus', date '2024-01-01'), (2, 'Toinen', date 'infinity')) v(n, nimi, pvm) ORDER BY n",
					Keep: []string{"nimi", "pvm"}}, []string{"Salaisuus", "Toinen"}
			}},
		{Name: "kept uuid column", Err: connectors.ErrType, Column: "tunniste",
			Write: func(t *testing.T, _ string) (connectors.Options, []string) {
				return connectors.Options{DSN: dsn, Query: "SELECT '6b7b9ad5-0a52-4a9a-9a39-0d0c3b3c2f10'::uuid AS tunniste",
					Keep: []string{"tunniste"}}, []string{"6b7b9ad5"}
			}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				Write: func(t *testing.T, _ string, table sourcetest.Table) connectors.Options {
					name := fmt.Sprintf("%s.register_%d", schema, n.Add(1))
					cols, rows := testregister.FromText(table.Columns, table.Rows, v.kinds)
					if err := testregister.LoadPostgres(context.Background(), conn, name, cols, rows); err != nil {
						t.Fatal(err)
					}
					return connectors.Options{DSN: dsn, Query: testregister.OrderedQuery(name, cols)}
				},
				Open: func(o connectors.Options) (connectors.Source, error) {
					s, err := pgsource.Open(o)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				OpenWithAllocator: func(o connectors.Options, mem memory.Allocator) (connectors.Source, error) {
					s, err := pgsource.OpenWithAllocator(o, mem)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				RowNumber: func(_ sourcetest.Table, i int) int64 { return int64(i + 1) },
				Normalize: func(col, val string) string { return testregister.Canonical(v.kinds[col], val) },
				Broken:    broken,
			})
		})
	}
}
