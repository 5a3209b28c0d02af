package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestExactBothDialects checks that the fi dialect (`;`, decimal comma, Windows-1252, CRLF,
// quoted fields) and the utf8 dialect give the same exact table, with the expected values.
func TestExactBothDialects(t *testing.T) {
	dir := t.TempDir()
	utf8 := "hetu,postal_code,unit,monthly_fee,notes\n" +
		"010120A123X,00100,Päiväkoti Mäntylä,100.50,\"a, b\"\n" +
		"010120A123X,00100,Päiväkoti Mäntylä,1.25,\n" +
		"020220A234Y,00100,Päiväkoti Mäntylä,,\"say \"\"hi\"\"\"\n" +
		"020220A234Y,02100,Förskolan Snäckan,3.00,\n"
	fiText := "hetu;postal_code;unit;monthly_fee;notes\r\n" +
		"010120A123X;00100;Päiväkoti Mäntylä;100,50;a, b\r\n" +
		"010120A123X;00100;Päiväkoti Mäntylä;1,25;\r\n" +
		"020220A234Y;00100;Päiväkoti Mäntylä;;\"say \"\"hi\"\"\"\r\n" +
		"020220A234Y;02100;Förskolan Snäckan;3,00;\r\n"
	fi, err := charmap.Windows1252.NewEncoder().String(fiText)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pu, pf := write("u.csv", utf8), write("f.csv", fi)
	ou, of := filepath.Join(dir, "u.parquet"), filepath.Join(dir, "f.parquet")
	if err := runExact(pu, ou, "utf8", 1); err != nil {
		t.Fatal(err)
	}
	if err := runExact(pf, of, "fi", 1); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{ou, of} {
		rows, err := db.Query("SELECT postal_code, unit, persons, fee_sum FROM read_parquet(" + sqlString(p) + ") ORDER BY ALL")
		if err != nil {
			t.Fatal(err)
		}
		type cell struct {
			pc, unit string
			persons  int64
			fee      float64
		}
		var got []cell
		for rows.Next() {
			var c cell
			if err := rows.Scan(&c.pc, &c.unit, &c.persons, &c.fee); err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		rows.Close()
		want := []cell{{"00100", "Päiväkoti Mäntylä", 2, 101.75}, {"02100", "Förskolan Snäckan", 1, 3}}
		if len(got) != len(want) {
			t.Fatalf("%s: got %v, want %v", p, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: cell %d = %v, want %v", p, i, got[i], want[i])
			}
		}
	}
}
