package sourcetest

import (
	"fmt"
	"strings"
)

// Table is a logical register: column names, and rows of values as text in column order.
// An empty string is an empty value (a format with nulls may write it as null).
type Table struct {
	Columns []string
	Rows    [][]string
}

// Column returns the values of the named column, in row order; it panics on an unknown
// name (a bug in the test).
func (t Table) Column(name string) []string {
	j := t.index(name)
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = r[j]
	}
	return out
}

// Project returns the rows restricted to the named columns, in that order.
func (t Table) Project(names []string) [][]string {
	idx := make([]int, len(names))
	for k, n := range names {
		idx[k] = t.index(n)
	}
	out := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		row := make([]string, len(idx))
		for k, j := range idx {
			row[k] = r[j]
		}
		out[i] = row
	}
	return out
}

// Values returns every distinct non-empty value of the table: what no error may quote.
func (t Table) Values() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Rows {
		for _, v := range r {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func (t Table) index(name string) int {
	for j, c := range t.Columns {
		if c == name {
			return j
		}
	}
	panic(fmt.Sprintf("sourcetest: no column %q", name))
}

// Register column names. Measures hold decimal numbers written with a '.' (a harness for a
// typed format may store them as numbers and map them back with Harness.Normalize).
const (
	ColPersonID  = "hetu"
	ColUnit      = "yksikkö"
	ColFee       = "kuukausimaksu"
	ColHours     = "tunnit"
	ColStartDate = "aloituspäivä"
	ColNotes     = "lisätiedot"
)

// registerColumns is the header of every register the suite writes.
var registerColumns = []string{ColPersonID, "etunimi", "sukunimi", "katuosoite", "postinumero",
	ColUnit, ColFee, ColHours, ColStartDate, ColNotes}

// Register returns the small register every source reads back: Finnish and Swedish
// letters (ä ö å Å), valid HETU-like ids, decimal measures, empty values (a whole row of
// them but for the id), surrounding blanks, and a value holding quotes, ',' ';' '|' and a
// line break. Every non-empty value is at least four characters long and none is part of
// a column name or of the suite's messages, so the leak check can look for each one.
func Register() Table {
	return Table{
		Columns: append([]string(nil), registerColumns...),
		Rows: [][]string{
			{hetu("150315", 'A', 901), "Aino", "Öhman", "Åkervägen 12 B", "00100", "Päiväkoti Kastanja", "1234.50", "37.5", "2024-01-15", ""},
			{hetu("290268", '-', 912), "Jönne", "Sjöström", "Mannerheimintie 5 A 7", "02100", "Solbacka daghem", "295.00", "", "15.8.2023", "allergia: pähkinä"},
			{hetu("010120", 'B', 923), "Åsa-Maria", "Virtanen", "", "00980", "Ryhmäperhepäiväkoti Ärrä", "", "40.25", "2025-03-01", "maksu 25 € / kk"},
			{hetu("311299", 'Y', 934), "Matti", "Mäkinen", "Kauppakatu \"Vanha\" 3", "33100", "Kastanja, \"iso\" ryhmä; sali|2", "0.75", "12.5", "", "rivi yksi\nrivi kaksi"},
			{hetu("070707", 'C', 945), "  Gösta  ", "Ekholm", "Åbovägen 1", "65100", " Metsätähti ", "1500.05", "60.00", "1.1.2026", "ÅÄÖ åäö"},
			{hetu("120500", 'A', 956), "", "", "", "", "", "", "", "", ""},
			{hetu("240899", '+', 967), "Liisa", "Ölander", "Tie 4", "99999", "Päiväkoti Kastanja ", "9999.99", "0.10", "2024-12-31", "vain ASCII text"},
		},
	}
}

// LargeRegister returns n generated rows in the register's columns, with the same kinds
// of values (and now and then a line break, a quote or an empty value), so that batches,
// chunk boundaries and row numbers are crossed many times.
func LargeRegister(n int) Table {
	units := []string{"Päiväkoti Kastanja", "Solbacka daghem", "Ryhmäperhepäiväkoti Åkerö", "Metsätähti"}
	first := []string{"Aino", "Jönne", "Åsa", "Matti", "Liisa", "Gösta"}
	t := Table{Columns: append([]string(nil), registerColumns...)}
	for i := 0; i < n; i++ {
		notes := ""
		switch {
		case i%50 == 7:
			notes = fmt.Sprintf("rivi %d\nrivi %d", i, i+1)
		case i%13 == 3:
			notes = fmt.Sprintf("lainaus \"%d\"; sali", i)
		case i%5 == 0:
			notes = fmt.Sprintf("huom %d ä", i)
		}
		fee := fmt.Sprintf("%d.%02d", 100+i%400, i%100)
		if i%11 == 0 {
			fee = ""
		}
		t.Rows = append(t.Rows, []string{
			hetu(fmt.Sprintf("%02d%02d%02d", 1+i%28, 1+(i/28)%12, i%100), "A-"[i%2], 900+i%99),
			first[i%len(first)],
			fmt.Sprintf("Sukunimi%d", i),
			fmt.Sprintf("Katu %d", i%300),
			fmt.Sprintf("%05d", (i*37)%99999),
			units[i%len(units)],
			fee,
			fmt.Sprintf("%d.5", i%60),
			fmt.Sprintf("20%02d-%02d-%02d", 10+i%15, 1+i%12, 1+i%28),
			notes,
		})
	}
	return t
}

// hetu builds a well-formed Finnish personal identity code: birth date DDMMYY, century
// sign, individual number and the check character. The suite uses individual numbers
// from 900, the range of temporary codes, so no real person's code is written.
func hetu(ddmmyy string, sign byte, individual int) string {
	const check = "0123456789ABCDEFHJKLMNPRSTUVWXY"
	var n int
	fmt.Sscanf(ddmmyy+fmt.Sprintf("%03d", individual), "%d", &n)
	return ddmmyy + string(sign) + fmt.Sprintf("%03d", individual) + string(check[n%31])
}

// Leaks returns the values that occur in msg, whole, trimmed of blanks, or one line of a
// multi-line value. Pieces shorter than four characters are not looked for: they would
// match digits of line numbers and words of messages by chance.
func Leaks(msg string, values []string) []string {
	var out []string
	for _, v := range values {
		pieces := append([]string{v, strings.TrimSpace(v)}, strings.Split(v, "\n")...)
		for _, p := range pieces {
			if len([]rune(p)) >= 4 && strings.Contains(msg, p) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}
