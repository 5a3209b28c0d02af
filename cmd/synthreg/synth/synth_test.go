package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// checkHETU is an independent validator: DDMMYY, a century sign, 002–999, and the check
// character computed from the mod 31 table. It returns the birth date and the individual
// number.
func checkHETU(s string) (time.Time, int, error) {
	const table = "0123456789ABCDEFHJKLMNPRSTUVWXY"
	if len(s) != 11 {
		return time.Time{}, 0, fmt.Errorf("length %d", len(s))
	}
	century := map[byte]int{'+': 1800, '-': 1900, 'Y': 1900, 'X': 1900, 'W': 1900, 'V': 1900, 'U': 1900,
		'A': 2000, 'B': 2000, 'C': 2000, 'D': 2000, 'E': 2000, 'F': 2000}
	c, ok := century[s[6]]
	if !ok {
		return time.Time{}, 0, fmt.Errorf("sign %q", s[6])
	}
	digits, err := strconv.Atoi(s[:6] + s[7:10])
	if err != nil || strings.ContainsAny(s[:6]+s[7:10], "+-") {
		return time.Time{}, 0, fmt.Errorf("digits")
	}
	day, _ := strconv.Atoi(s[0:2])
	month, _ := strconv.Atoi(s[2:4])
	yy, _ := strconv.Atoi(s[4:6])
	num, _ := strconv.Atoi(s[7:10])
	birth := time.Date(c+yy, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if birth.Day() != day || int(birth.Month()) != month {
		return time.Time{}, 0, fmt.Errorf("impossible date")
	}
	if num < 2 {
		return time.Time{}, 0, fmt.Errorf("individual number %d", num)
	}
	if want := table[digits%31]; s[10] != want {
		return time.Time{}, 0, fmt.Errorf("check character %q, want %q", s[10], want)
	}
	return birth, num, nil
}

func collect(t *testing.T, opt Options) []Row {
	t.Helper()
	var rows []Row
	if err := Generate(opt, func(r Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return rows
}

func TestCheckHETUKnownCodes(t *testing.T) {
	// Published examples of the format (fictitious codes from the DVV's documentation).
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"131052-308T", true}, {"131052-308U", false}, {"010594Y9021", true},
		{"020594X903P", true}, {"010516B903X", true}, {"310223A123M", false},
	} {
		_, _, err := checkHETU(tc.code)
		if (err == nil) != tc.ok {
			t.Errorf("checkHETU(%q) error = %v, want ok=%v", tc.code, err, tc.ok)
		}
	}
}

func TestValidHETU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		birth time.Time
		signs string
	}{
		{time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), "+"},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "-YXWVU"},
		{time.Date(1952, 10, 13, 0, 0, 0, 0, time.UTC), "-YXWVU"},
		{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), "ABCDEF"},
		{time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), "ABCDEF"},
	} {
		seen := map[byte]int{}
		for i := 0; i < 400; i++ {
			female := i%2 == 0
			code := ValidHETU(r, tc.birth, female)
			birth, num, err := checkHETU(code)
			if err != nil {
				t.Fatalf("ValidHETU(%v) = %q: %v", tc.birth, code, err)
			}
			if !birth.Equal(tc.birth) {
				t.Fatalf("ValidHETU(%v) = %q: birth %v", tc.birth, code, birth)
			}
			if (num%2 == 0) != female || num > 899 {
				t.Fatalf("ValidHETU(female=%v) = %q: individual number %d", female, code, num)
			}
			seen[code[6]]++
		}
		for sign := range seen {
			if !strings.ContainsRune(tc.signs, rune(sign)) {
				t.Errorf("birth %v: sign %q not in %q", tc.birth, sign, tc.signs)
			}
		}
		// The classic sign 7 in 8 times: in 400 draws, 350 expected; a newer sign at least
		// once where there is one (P(none) = (7/8)^400 < 1e-23).
		if len(tc.signs) > 1 && (seen[tc.signs[0]] < 300 || seen[tc.signs[0]] == 400) {
			t.Errorf("birth %v: classic sign %d times of 400", tc.birth, seen[tc.signs[0]])
		}
	}
}

func TestGeneratedHETUsValidAndUnique(t *testing.T) {
	opt := Options{Seed: 3, Rows: 20000, Persons: 5000}
	rows := collect(t, opt)
	byPerson := map[int]string{}
	byCode := map[string]int{}
	newSigns := 0
	for _, r := range rows {
		birth, num, err := checkHETU(r.HETU)
		if err != nil {
			t.Fatalf("row of person %d: %q: %v", r.Truth.Person, r.HETU, err)
		}
		if !birth.Equal(r.Truth.Birth) || (num%2 == 0) != r.Truth.Female || r.HETU != r.Truth.HETU {
			t.Fatalf("person %d: code %q disagrees with truth %+v", r.Truth.Person, r.HETU, r.Truth)
		}
		if age := ageAt(birth, DefaultAsOf); age < 0 || age > 6 {
			t.Fatalf("person %d: age %d on %v", r.Truth.Person, age, DefaultAsOf)
		}
		if prev, ok := byPerson[r.Truth.Person]; ok && prev != r.HETU {
			t.Fatalf("person %d has two codes", r.Truth.Person)
		}
		byPerson[r.Truth.Person] = r.HETU
		if p, ok := byCode[r.HETU]; ok && p != r.Truth.Person {
			t.Fatalf("persons %d and %d share a code", p, r.Truth.Person)
		}
		byCode[r.HETU] = r.Truth.Person
		if r.HETU[6] != 'A' {
			newSigns++
		}
	}
	if len(byPerson) != opt.Persons || len(byCode) != opt.Persons {
		t.Fatalf("persons = %d, codes = %d, want %d", len(byPerson), len(byCode), opt.Persons)
	}
	if newSigns == 0 {
		t.Errorf("no row uses a newer century sign")
	}
}

func ageAt(birth, at time.Time) int {
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || at.Month() == birth.Month() && at.Day() < birth.Day() {
		age--
	}
	return age
}

func TestInvalidShare(t *testing.T) {
	base := Options{Seed: 5, Rows: 20000, Persons: 4000}
	bad := base
	bad.Invalid = 0.05
	clean, dirty := collect(t, base), collect(t, bad)
	if len(clean) != len(dirty) {
		t.Fatalf("rows %d vs %d", len(clean), len(dirty))
	}
	invalid := 0
	for i := range dirty {
		_, _, err := checkHETU(dirty[i].HETU)
		if (err != nil) != dirty[i].Truth.InvalidID {
			t.Fatalf("row %d: %q: check error %v, truth invalid %v", i, dirty[i].HETU, err, dirty[i].Truth.InvalidID)
		}
		if err != nil {
			invalid++
		}
		// Invalid changes the HETU and nothing else.
		c, d := clean[i], dirty[i]
		c.HETU, d.HETU, c.Truth.InvalidID, d.Truth.InvalidID = "", "", false, false
		if fmt.Sprint(c.Fields(DialectUTF8), c.Truth) != fmt.Sprint(d.Fields(DialectUTF8), d.Truth) {
			t.Fatalf("row %d differs beyond its HETU", i)
		}
	}
	// Binomial(20000, 0.05): mean 1000, sd 30.8; ±200 is 6.5 sd (false alarm < 1e-10).
	if invalid < 800 || invalid > 1200 {
		t.Errorf("invalid rows = %d of 20000, want about 1000", invalid)
	}
}

func TestDeterminism(t *testing.T) {
	opt := Options{Seed: 11, Rows: 3000, Persons: 700, Invalid: 0.01, Withdrawn: 0.01}
	writers := map[string]func(*bytes.Buffer, Options) error{
		"csv-fi":    func(b *bytes.Buffer, o Options) error { return WriteCSV(b, o, DialectFI) },
		"csv-utf8":  func(b *bytes.Buffer, o Options) error { return WriteCSV(b, o, DialectUTF8) },
		"jsonl":     func(b *bytes.Buffer, o Options) error { return WriteJSONL(b, o) },
		"withdrawn": func(b *bytes.Buffer, o Options) error { return WriteWithdrawn(b, o) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			var a, b, c bytes.Buffer
			other := opt
			other.Seed++
			for _, x := range []struct {
				buf *bytes.Buffer
				opt Options
			}{{&a, opt}, {&b, opt}, {&c, other}} {
				if err := write(x.buf, x.opt); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("same seed, different bytes")
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Errorf("different seeds, same bytes")
			}
		})
	}
}

func TestCSVDialectFI(t *testing.T) {
	opt := Options{Seed: 2, Rows: 2000, Persons: 500}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, opt, DialectFI); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Errorf("windows-1252 output starts with a UTF-8 BOM")
	}
	if utf8.Valid(raw) {
		t.Errorf("output is valid UTF-8: expected Windows-1252 bytes for ä/ö/å")
	}
	if !bytes.Contains(raw, []byte("M\xe4ntyl\xe4")) { // "Mäntylä" in Windows-1252
		t.Errorf("no Windows-1252 \"M\\xe4ntyl\\xe4\" in the output")
	}
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf || n != opt.Rows+1 {
		t.Errorf("line feeds %d, CRLF %d, want both %d", n, crlf, opt.Rows+1)
	}
	decoded, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	rd := csv.NewReader(bytes.NewReader(decoded))
	rd.Comma = ';'
	records, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(records[0], Columns()) {
		t.Fatalf("header %q", records[0])
	}
	rows := collect(t, opt)
	fee := regexp.MustCompile(`^\d{1,3},\d\d$`)
	hours := regexp.MustCompile(`^\d{2},\d$`)
	date := regexp.MustCompile(`^[1-9]\d?\.[1-9]\d?\.20\d\d$`)
	for i, rec := range records[1:] {
		r := rows[i]
		if want := fmt.Sprintf("%d.%d.%d", r.StartDate.Day(), r.StartDate.Month(), r.StartDate.Year()); rec[8] != want || !date.MatchString(rec[8]) {
			t.Fatalf("row %d: start_date %q, want %q", i, rec[8], want)
		}
		if math.IsNaN(r.MonthlyFee) != (rec[6] == "") || rec[6] != "" && (!fee.MatchString(rec[6]) || rec[6] != strings.Replace(fmt.Sprintf("%.2f", r.MonthlyFee), ".", ",", 1)) {
			t.Fatalf("row %d: monthly_fee %q for %v", i, rec[6], r.MonthlyFee)
		}
		if math.IsNaN(r.Hours) != (rec[7] == "") || rec[7] != "" && (!hours.MatchString(rec[7]) || rec[7] != strings.Replace(fmt.Sprintf("%.1f", r.Hours), ".", ",", 1)) {
			t.Fatalf("row %d: hours %q for %v", i, rec[7], r.Hours)
		}
		want := []string{r.HETU, r.FirstName, r.LastName, r.Street, r.PostalCode, r.Unit}
		if !slices.Equal(rec[:6], want) || rec[9] != r.Phone || rec[10] != r.Email || rec[11] != r.Notes {
			t.Fatalf("row %d: %q, want %q …", i, rec, want)
		}
	}
	// A note holding the delimiter must come out quoted.
	if !bytes.Contains(decoded, []byte(`;"hakee ennen klo 16; äiti vuorotöissä"`)) {
		t.Errorf("note with a `;` not quoted (or not drawn in 2000 rows: P < 1e-30)")
	}
}

func TestCSVDialectUTF8(t *testing.T) {
	opt := Options{Seed: 2, Rows: 500, Persons: 100}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, opt, DialectUTF8); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBFhetu,first_name,")) || !utf8.Valid(raw) {
		t.Fatalf("want a BOM, `,` and valid UTF-8; starts %q", raw[:20])
	}
	if bytes.Contains(raw, []byte("\r")) || bytes.Count(raw, []byte("\n")) != opt.Rows+1 {
		t.Errorf("want LF line ends only, %d lines", opt.Rows+1)
	}
	rd := csv.NewReader(bytes.NewReader(raw[3:]))
	records, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := collect(t, opt)
	for i, rec := range records[1:] {
		r := rows[i]
		if !slices.Equal(rec, r.Fields(DialectUTF8)) {
			t.Fatalf("row %d: %q, want %q", i, rec, r.Fields(DialectUTF8))
		}
		if rec[8] != r.StartDate.Format("2006-01-02") {
			t.Fatalf("row %d: start_date %q", i, rec[8])
		}
		if !math.IsNaN(r.MonthlyFee) && rec[6] != strconv.FormatFloat(r.MonthlyFee, 'f', 2, 64) {
			t.Fatalf("row %d: monthly_fee %q", i, rec[6])
		}
	}
}

func TestJSONL(t *testing.T) {
	opt := Options{Seed: 4, Rows: 1000, Persons: 300}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, opt); err != nil {
		t.Fatal(err)
	}
	rows := collect(t, opt)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("lines %d, rows %d", len(lines), len(rows))
	}
	cols := Columns()
	for i, line := range lines {
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		r := rows[i]
		want := map[string]any{}
		for k, v := range map[string]string{"hetu": r.HETU, "first_name": r.FirstName, "last_name": r.LastName,
			"street": r.Street, "postal_code": r.PostalCode, "unit": r.Unit, "start_date": r.StartDate.Format("2006-01-02"),
			"phone": r.Phone, "email": r.Email, "notes": r.Notes} {
			if v != "" {
				want[k] = v
			}
		}
		if !math.IsNaN(r.MonthlyFee) {
			want["monthly_fee"] = json.Number(strconv.FormatFloat(r.MonthlyFee, 'f', -1, 64))
		}
		if !math.IsNaN(r.Hours) {
			want["hours"] = json.Number(strconv.FormatFloat(r.Hours, 'f', -1, 64))
		}
		if fmt.Sprint(obj) != fmt.Sprint(want) {
			t.Fatalf("line %d: %v, want %v", i+1, obj, want)
		}
		// Keys in Columns() order.
		last := -1
		for _, k := range regexp.MustCompile(`"([a-z_]+)":`).FindAllStringSubmatch(line, -1) {
			j := slices.Index(cols, k[1])
			if j <= last {
				t.Fatalf("line %d: key %q out of order", i+1, k[1])
			}
			last = j
		}
	}
}

func TestRowShape(t *testing.T) {
	opt := Options{Seed: 9, Rows: 10000, Persons: 2500}
	rows := collect(t, opt)
	unitSet := map[string]bool{}
	for _, u := range Units() {
		unitSet[u] = true
	}
	postal := regexp.MustCompile(`^(\d{5}|[1-9]\d{1,3}|)$`)
	mail := regexp.MustCompile(`^[a-z.0-9]+@example\.(fi|com|net|org)$`)
	stripped, missingFee := 0, 0
	for i, r := range rows {
		switch {
		case !unitSet[r.Unit]:
			t.Fatalf("row %d: unit %q", i, r.Unit)
		case !postal.MatchString(r.PostalCode):
			t.Fatalf("row %d: postal code %q", i, r.PostalCode)
		case !math.IsNaN(r.MonthlyFee) && (r.MonthlyFee < 0 || r.MonthlyFee > 450 || !hasCents(r.MonthlyFee)):
			t.Fatalf("row %d: fee %v", i, r.MonthlyFee)
		case !math.IsNaN(r.Hours) && (r.Hours < 10 || r.Hours > 50):
			t.Fatalf("row %d: hours %v", i, r.Hours)
		case r.StartDate.Year() < 2019 || r.StartDate.Year() > 2026 || r.StartDate.Before(r.Truth.Birth):
			t.Fatalf("row %d: start %v, birth %v", i, r.StartDate, r.Truth.Birth)
		case r.Email != "" && !mail.MatchString(r.Email):
			t.Fatalf("row %d: email %q", i, r.Email)
		}
		if len(r.PostalCode) > 0 && len(r.PostalCode) < 5 {
			stripped++
		}
		if math.IsNaN(r.MonthlyFee) {
			missingFee++
		}
	}
	if stripped == 0 || missingFee == 0 {
		t.Errorf("stripped postal codes %d, missing fees %d: want some of each", stripped, missingFee)
	}
}

func TestRowCounts(t *testing.T) {
	for _, tc := range []struct {
		name             string
		opt              Options
		heavyLo, heavyHi int // persons with >= 50 rows
		hugeLo, hugeHi   int // persons with >= 500 rows
	}{
		// Non-skewed: Poisson(3) tails never reach 50 rows.
		{"plain", Options{Seed: 1, Rows: 40000, Persons: 10000}, 0, 0, 0, 0},
		// Skewed, 100 000 persons: heavy ~ Binomial(1e5, 0.02), mean 2000, sd 44: ±300 is
		// 6.8 sd; huge ~ Poisson(20): P(< 5) = 1.7e-5, P(> 45) = 1e-6.
		{"skew", Options{Seed: 1, Rows: 400000, Persons: 100000, Skew: true}, 1700, 2300, 5, 45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.opt.Rows > 100000 {
				t.Skip("large in -short mode")
			}
			counts := make([]int, tc.opt.Persons)
			total := 0
			err := Generate(tc.opt, func(r Row) error { counts[r.Truth.Person]++; total++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			heavy, huge := 0, 0
			for p, n := range counts {
				if n == 0 {
					t.Fatalf("person %d has no row", p)
				}
				if n >= 50 {
					heavy++
				}
				if n >= 500 {
					huge++
				}
			}
			if total != tc.opt.Rows {
				t.Errorf("rows = %d, want %d", total, tc.opt.Rows)
			}
			if heavy < tc.heavyLo || heavy > tc.heavyHi || huge < tc.hugeLo || huge > tc.hugeHi {
				t.Errorf("persons with >= 50 rows: %d (want %d–%d), >= 500: %d (want %d–%d)",
					heavy, tc.heavyLo, tc.heavyHi, huge, tc.hugeLo, tc.hugeHi)
			}
		})
	}
}

func TestWithdrawn(t *testing.T) {
	for _, tc := range []struct {
		share float64
		want  int
	}{{0, 0}, {0.001, 1}, {0.01, 8}, {0.5, 400}, {1, 800}} {
		opt := Options{Seed: 21, Rows: 3000, Persons: 800, Withdrawn: tc.share}
		ids, err := Withdrawn(opt)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Withdrawn(opt)
		if len(ids) != tc.want || !slices.Equal(ids, again) {
			t.Fatalf("share %v: %d ids (want %d), deterministic %v", tc.share, len(ids), tc.want, slices.Equal(ids, again))
		}
		listed := map[string]bool{}
		for _, id := range ids {
			if _, _, err := checkHETU(id); err != nil || listed[id] {
				t.Fatalf("share %v: id %q invalid (%v) or duplicated", tc.share, id, err)
			}
			listed[id] = true
		}
		flagged := map[string]bool{}
		for _, r := range collect(t, opt) {
			if r.Truth.Withdrawn != listed[r.Truth.HETU] {
				t.Fatalf("share %v: person %d withdrawn %v, listed %v", tc.share, r.Truth.Person, r.Truth.Withdrawn, listed[r.Truth.HETU])
			}
			if r.Truth.Withdrawn {
				flagged[r.Truth.HETU] = true
			}
		}
		if len(flagged) != len(listed) {
			t.Fatalf("share %v: %d listed persons, %d found among the rows", tc.share, len(listed), len(flagged))
		}
	}
	var buf bytes.Buffer
	opt := Options{Seed: 21, Rows: 3000, Persons: 800, Withdrawn: 0.01}
	if err := WriteWithdrawn(&buf, opt); err != nil {
		t.Fatal(err)
	}
	ids, _ := Withdrawn(opt)
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "# ") || lines[1] != "" || !slices.Equal(lines[2:], append(ids, "")) {
		t.Errorf("withdrawn file %q", buf.String())
	}
}

func TestPermutation(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 7, 64, 1000, 4097} {
		p := newPerm(n, n*31)
		seen := make([]bool, n)
		for i := range n {
			j := p.at(i)
			if j >= n || seen[j] {
				t.Fatalf("n=%d: at(%d) = %d repeats or is out of range", n, i, j)
			}
			seen[j] = true
			if back := p.inverse(j); back != i {
				t.Fatalf("n=%d: inverse(at(%d)) = %d", n, i, back)
			}
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"negative rows", Options{Rows: -1}},
		{"negative persons", Options{Rows: 10, Persons: -1}},
		{"more persons than rows", Options{Rows: 10, Persons: 11}},
		{"invalid share", Options{Rows: 10, Invalid: 1.5}},
		{"NaN withdrawn share", Options{Rows: 10, Withdrawn: math.NaN()}},
		{"as-of year", Options{Rows: 10, AsOf: time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"too many persons", Options{Rows: 100_000_000, Persons: 100_000_000}},
	} {
		err := Generate(tc.opt, func(Row) error { return nil })
		if !errors.Is(err, ErrOptions) {
			t.Errorf("%s: err = %v, want ErrOptions", tc.name, err)
		}
	}
	if err := WriteCSV(&bytes.Buffer{}, Options{Rows: 1}, Dialect{Delimiter: '"', Encoding: "utf-8", DateFormat: "iso"}); !errors.Is(err, ErrOptions) {
		t.Errorf("quote delimiter: err = %v", err)
	}
	if _, err := DialectByName("latin1"); !errors.Is(err, ErrOptions) {
		t.Errorf("unknown dialect: err = %v", err)
	}
	// Zero rows: only the header.
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Options{}, DialectUTF8); err != nil || buf.String() != "\uFEFF"+strings.Join(Columns(), ",")+"\n" {
		t.Errorf("empty register: %q, %v", buf.String(), err)
	}
	// emit's error stops Generate.
	stop := errors.New("stop")
	n := 0
	if err := Generate(Options{Rows: 10000}, func(Row) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("emit error: err = %v after %d rows", err, n)
	}
}

func TestListsEncodeInWindows1252(t *testing.T) {
	lists := [][]string{firstFiFemale, firstFiMale, firstSvFemale, firstSvMale, lastFi, lastSv,
		streetsFi, streetsSv, notesList, Units()}
	enc := charmap.Windows1252.NewEncoder()
	for _, l := range lists {
		for _, s := range l {
			if _, err := enc.String(s); err != nil {
				t.Errorf("%q: %v", s, err)
			}
		}
	}
}

func TestStreamingMemory(t *testing.T) {
	rows := 1_000_000
	if testing.Short() {
		rows = 200_000
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	n := 0
	err := Generate(Options{Seed: 1, Rows: rows, Skew: true}, func(Row) error {
		n++
		if n%(rows/4) == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Live heap after a GC: the shuffle window (4096 rows) and the generator, about 1 MB.
	if growth := int64(peak) - int64(base); growth > 4<<20 {
		t.Errorf("live heap grew by %d bytes while generating %d rows", growth, rows)
	}
}

// hasCents reports whether v is exactly the float64 nearest to a number with two decimals.
func hasCents(v float64) bool {
	back, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return err == nil && back == v
}
