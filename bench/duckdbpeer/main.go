// Command duckdbpeer is the benchmark's non-private baseline: the exact table an analyst
// would compute with DuckDB — COUNT(DISTINCT person) and SUM(fee) grouped by (postal code,
// unit) — read from the benchmark's CSV register and written to Parquet with COPY … TO.
//
//	duckdbpeer -in reg-1000000-utf8.csv -out exact.parquet [-dialect utf8|fi] [-threads N]
//	duckdbpeer -compare exact.parquet -private out/…/by_postal_unit.parquet
//
// The fi dialect (`;`, decimal comma, Windows-1252) is read with encoding 'latin-1': DuckDB
// reads UTF-8, UTF-16 and Latin-1 natively (other code pages need the `encodings` extension,
// downloaded at run time). The generator writes only Latin-1 letters, so for these files
// Latin-1 and Windows-1252 decode alike.
//
// -compare joins a statexport release with the exact table and prints, on one line, the
// exact cells, the released cells and the median absolute and relative error of persons and
// fee sum over the released cells (an accuracy check of the private release, not part of the
// timing; the fee sum's error is mostly contribution bounding, which keeps one row per person
// and cell and at most three cells per person, where the exact SUM keeps every row). It fails
// when a released cell is not in the exact table.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	var in, out, dialect, compare, private string
	var threads int
	flag.StringVar(&in, "in", "", "input CSV register")
	flag.StringVar(&out, "out", "", "output Parquet file")
	flag.StringVar(&dialect, "dialect", "utf8", "CSV dialect of -in: utf8 | fi")
	flag.IntVar(&threads, "threads", 0, "DuckDB threads (0: DuckDB's default, one per core)")
	flag.StringVar(&compare, "compare", "", "exact Parquet table (compare mode)")
	flag.StringVar(&private, "private", "", "statexport's Parquet table (compare mode)")
	flag.Parse()
	var err error
	switch {
	case compare != "" && private != "":
		err = runCompare(compare, private)
	case in != "" && out != "":
		err = runExact(in, out, dialect, threads)
	default:
		err = fmt.Errorf("need -in and -out, or -compare and -private")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckdbpeer:", err)
		os.Exit(1)
	}
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// readCSV returns the read_csv call for the dialect. Only the queried columns are typed;
// postal codes stay strings (leading zeros).
func readCSV(path, dialect string) (string, error) {
	opts := "header = true, quote = '\"', escape = '\"', " +
		"types = {'hetu': 'VARCHAR', 'postal_code': 'VARCHAR', 'unit': 'VARCHAR', 'monthly_fee': 'DOUBLE'}"
	switch dialect {
	case "utf8":
		opts += ", delim = ','"
	case "fi":
		opts += ", delim = ';', decimal_separator = ',', encoding = 'latin-1'"
	default:
		return "", fmt.Errorf("unknown dialect %q (want utf8 or fi)", dialect)
	}
	return "read_csv(" + sqlString(path) + ", " + opts + ")", nil
}

func runExact(in, out, dialect string, threads int) error {
	src, err := readCSV(in, dialect)
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if threads > 0 {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return err
		}
	}
	q := "COPY (SELECT postal_code, unit, COUNT(DISTINCT hetu) AS persons, SUM(monthly_fee) AS fee_sum " +
		"FROM " + src + " GROUP BY ALL) TO " + sqlString(out) + " (FORMAT parquet)"
	res, err := db.Exec(q)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	fmt.Fprintf(os.Stderr, "duckdbpeer: %d cells written to %s\n", n, out)
	return nil
}

func runCompare(exact, private string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	var cells, released, matched int64
	var medP, medF, relP, relF sql.NullFloat64
	q := `WITH e AS (SELECT * FROM read_parquet(` + sqlString(exact) + `)),
	          p AS (SELECT * FROM read_parquet(` + sqlString(private) + `)),
	          j AS (SELECT abs(p.persons - e.persons) AS dp, abs(p.monthly_fee_sum - e.fee_sum) AS df,
	                       abs(p.persons - e.persons) / e.persons AS rp,
	                       abs(p.monthly_fee_sum - e.fee_sum) / nullif(e.fee_sum, 0) AS rf
	                FROM p JOIN e ON p.postal_code = e.postal_code AND p.unit = e.unit)
	      SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM p), (SELECT count(*) FROM j),
	             (SELECT median(dp) FROM j), (SELECT median(df) FROM j),
	             (SELECT median(rp) FROM j), (SELECT median(rf) FROM j)`
	if err := db.QueryRow(q).Scan(&cells, &released, &matched, &medP, &medF, &relP, &relF); err != nil {
		return err
	}
	fmt.Printf("exact_cells=%d released_cells=%d median_abs_err_persons=%.1f (%.1f %%) median_abs_err_fee_sum=%.0f (%.1f %%)\n",
		cells, released, medP.Float64, 100*relP.Float64, medF.Float64, 100*relF.Float64)
	if matched != released {
		return fmt.Errorf("%d released cells are not in the exact table", released-matched)
	}
	return nil
}
