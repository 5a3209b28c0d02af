package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/cmd/synthreg/synth"
	"golang.org/x/text/encoding/charmap"
)

func writeAll(t *testing.T, opt options, d dialect) []byte {
	t.Helper()
	var b bytes.Buffer
	w := newCSVWriter(&b, d)
	if err := w.header(); err != nil {
		t.Fatal(err)
	}
	if err := generate(opt, w.write); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	opt := options{Seed: 7, Rows: 20000}
	a, b := writeAll(t, opt, dialectUTF8), writeAll(t, opt, dialectUTF8)
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Fatal("same options gave different bytes")
	}
	c := writeAll(t, options{Seed: 8, Rows: 20000}, dialectUTF8)
	if bytes.Equal(a, c) {
		t.Fatal("another seed gave the same bytes")
	}
}

// TestShape checks the benchmark's workload: exactly N rows of N/4 persons with valid,
// unique codes, the heavy tail, ~30 × ~40 cells, persons over several cells, and that the
// fi file holds the same rows as the utf8 file.
func TestShape(t *testing.T) {
	const n = 200000
	opt := options{Seed: 1, Rows: n}
	recs, err := csv.NewReader(bytes.NewReader(writeAll(t, opt, dialectUTF8))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 || strings.Join(recs[0], ",") != strings.Join(synth.Columns(), ",") {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	perPerson := map[string]int{}
	keys := map[uint64]string{}
	cellsOf := map[string]map[string]bool{}
	postal, units, cells := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range recs[1:] {
		p, err := anonymize.ParseHETU([]byte(r[0]))
		if err != nil {
			t.Fatalf("invalid HETU in row %v", r[4:6])
		}
		if h, ok := keys[p.Key]; ok && h != r[0] {
			t.Fatal("two codes map to one person key")
		}
		keys[p.Key] = r[0]
		perPerson[r[0]]++
		cell := r[4] + "|" + r[5]
		if cellsOf[r[0]] == nil {
			cellsOf[r[0]] = map[string]bool{}
		}
		cellsOf[r[0]][cell] = true
		postal[r[4]], units[r[5]], cells[cell] = true, true, true
	}
	if len(perPerson) != n/4 {
		t.Errorf("%d persons, want %d", len(perPerson), n/4)
	}
	var heavy, huge, spread int
	for h, c := range perPerson {
		if c >= 50 {
			heavy++
		}
		if c >= 500 {
			huge++
		}
		if len(cellsOf[h]) > 3 {
			spread++
		}
	}
	if share := float64(heavy) / float64(n/4); share < 0.015 || share > 0.025 {
		t.Errorf("heavy share %.4f, want ~0.02", share)
	}
	if huge < 3 || huge > 25 {
		t.Errorf("%d persons with >= 500 rows, want ~10", huge)
	}
	if len(postal) != 30 || len(units) != 40 || len(cells) < 1150 {
		t.Errorf("%d postal codes, %d units, %d cells", len(postal), len(units), len(cells))
	}
	if share := float64(spread) / float64(n/4); share < 0.02 {
		t.Errorf("only %.3f of persons in more than 3 cells", share)
	}

	// The fi dialect: same rows, `;`, decimal comma, d.m.yyyy, Windows-1252.
	fiBytes := writeAll(t, opt, dialectFI)
	dec, err := charmap.Windows1252.NewDecoder().Bytes(fiBytes)
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(dec))
	cr.Comma = ';'
	fi, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(recs); i++ {
		u, f := recs[i], fi[i]
		d, err := time.Parse("2.1.2006", f[8])
		if err != nil || d.Format(time.DateOnly) != u[8] {
			t.Fatalf("row %d: date %q vs %q", i, f[8], u[8])
		}
		u[6], u[7], u[8] = strings.ReplaceAll(u[6], ".", ","), strings.ReplaceAll(u[7], ".", ","), f[8]
		if strings.Join(u, "\x00") != strings.Join(f, "\x00") {
			t.Fatalf("row %d differs between dialects", i)
		}
	}
}

// TestLatin1 checks that every listed string is Latin-1 (so DuckDB's latin-1 reader decodes
// the Windows-1252 file exactly).
func TestLatin1(t *testing.T) {
	lists := [][]string{postalCodes, unitNames, firstFiFemale, firstFiMale, firstSvFemale, firstSvMale,
		lastFi, lastSv, streetsFi, streetsSv, notesList, mailDomains}
	for _, l := range lists {
		for _, s := range l {
			for _, r := range s {
				if r > 0xFF || (r >= 0x80 && r < 0xA0) {
					t.Errorf("%q holds %U", s, r)
				}
			}
		}
	}
}

// TestFormatHETUMatchesSynth checks the formatter against synth.ValidHETU.
func TestFormatHETUMatchesSynth(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		birth := time.Date(1900+r.IntN(200), time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
		want := synth.ValidHETU(r, birth, r.IntN(2) == 0)
		num := int(want[7]-'0')*100 + int(want[8]-'0')*10 + int(want[9]-'0')
		if got := formatHETU(birth, num, want[6]); got != want {
			t.Fatalf("formatHETU = %s, synth.ValidHETU = %s", got, want)
		}
	}
}
