package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// The benchmark register: the columns of the example daycare register (synth.Columns), but
// with ~30 postal codes (Zipf-like) × ~40 units and persons spread over several units, which
// synth.Options cannot express. Every string is Latin-1 (no Windows-1252 character in
// 0x80–0x9F), so a Latin-1 reader decodes the fi dialect exactly as a Windows-1252 one.

// columns is the header, in output order (the same names as synth.Columns()).
var columns = []string{"hetu", "first_name", "last_name", "street", "postal_code", "unit",
	"monthly_fee", "hours", "start_date", "phone", "email", "notes"}

// dialect is how a file spells the rows.
type dialect struct {
	name         string
	delim        byte
	decimalComma bool
	cp1252       bool
	crlf         bool
	fiDates      bool // d.m.yyyy instead of yyyy-mm-dd
}

var (
	dialectUTF8 = dialect{name: "utf8", delim: ','}
	dialectFI   = dialect{name: "fi", delim: ';', decimalComma: true, cp1252: true, crlf: true, fiDates: true}
)

func dialectByName(s string) (dialect, error) {
	switch s {
	case "utf8":
		return dialectUTF8, nil
	case "fi":
		return dialectFI, nil
	}
	return dialect{}, fmt.Errorf("unknown dialect %q (want utf8 or fi)", s)
}

// options choose the register.
type options struct {
	Seed    uint64
	Rows    int
	Persons int // 0: Rows/4
}

// Shape constants (SPEC of the benchmark: most persons a few rows, ~2 % with ~60 rows,
// ~0.02 % with ~600).
const (
	heavyShare, heavyMean = 0.02, 60
	hugeShare, hugeMean   = 0.0002, 600
	numIndividual         = 898 // individual numbers 002–899
)

// row is one logical row; strings are UTF-8, fee and hours NaN when empty.
type row struct {
	person    int
	hetu      string
	first     string
	last      string
	street    string
	postal    string
	unit      string
	fee       float64
	hours     float64
	start     time.Time
	phone     string
	email     string
	notes     string
	unitIndex int
	postalIdx int
}

// generator produces the rows of one register in a deterministic, fully shuffled order
// without holding any row: it keeps one remaining-row counter per person in a Fenwick tree
// (4 bytes a person) and draws the next row's person with probability proportional to its
// remaining rows, i.e. a uniformly random order of the multiset of rows.
type generator struct {
	opt       options
	persons   int
	fen       []int32 // Fenwick tree of remaining rows per person (1-based)
	top       int     // highest power of two <= persons
	left      int     // rows still to emit
	rng       *rand.Rand
	pcg       *rand.PCG // reseeded per person: person attributes depend only on (seed, index)
	prng      *rand.Rand
	birthEnd  time.Time
	days      int    // birth days in the span
	slots     uint64 // days × numIndividual
	mult, off uint64 // slot(i) = (i*mult + off) mod slots: a bijection, so HETUs are unique
	postalCum []float64
	unitCum   []float64
	startMin  time.Time
	startDays int
}

func newGenerator(opt options) (*generator, error) {
	if opt.Rows < 0 || opt.Persons < 0 {
		return nil, fmt.Errorf("rows and persons must be >= 0")
	}
	p := opt.Persons
	if p == 0 {
		p = max(1, opt.Rows/4)
	}
	if opt.Rows == 0 {
		p = 0
	}
	if p > opt.Rows {
		return nil, fmt.Errorf("persons (%d) must not exceed rows (%d)", p, opt.Rows)
	}
	g := &generator{opt: opt, persons: p, left: opt.Rows}
	g.rng = rand.New(rand.NewPCG(opt.Seed, 0x62656e6368726567)) // "benchreg"
	g.pcg = rand.NewPCG(0, 0)
	g.prng = rand.New(g.pcg)
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.birthEnd = asOf.AddDate(0, 0, -1)
	// Children aged 0–6, or a longer span so that at most half of the codes are used.
	g.days = int(asOf.Sub(asOf.AddDate(-7, 0, 0)).Hours()/24) - 1
	if need := (2*p + numIndividual - 1) / numIndividual; need > g.days {
		g.days = need
	}
	if g.birthEnd.AddDate(0, 0, -g.days).Year() < 1900 {
		return nil, fmt.Errorf("too many persons for unique codes")
	}
	g.slots = uint64(g.days) * numIndividual
	g.mult = 0x9E3779B97F4A7C15 % g.slots
	for gcd(g.mult, g.slots) != 1 {
		g.mult++
	}
	g.off = mix64(opt.Seed) % g.slots
	g.startMin = asOf.AddDate(-7, 0, 0)
	g.startDays = int(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Sub(g.startMin).Hours()/24) + 1

	w := make([]float64, len(postalCodes))
	for i := range w {
		w[i] = 1 / float64(i+1) // Zipf, s = 1
	}
	g.postalCum = cumulative(w)
	w = make([]float64, len(unitNames))
	for i := range w {
		w[i] = 1 / math.Sqrt(float64(i+1)) // milder Zipf, s = 0.5
	}
	g.unitCum = cumulative(w)

	// Rows per person, drawn in person order so the total is exactly opt.Rows.
	g.fen = make([]int32, p+1)
	rowsLeft := opt.Rows
	light := (float64(opt.Rows)/float64(max(p, 1)) - heavyShare*heavyMean - hugeShare*hugeMean) / (1 - heavyShare - hugeShare)
	for i := 0; i < p; i++ {
		personsLeft := p - i
		var n int
		if personsLeft == 1 {
			n = rowsLeft
		} else {
			switch u := g.rng.Float64(); {
			case u < hugeShare:
				n = 500 + g.rng.IntN(201)
			case u < hugeShare+heavyShare:
				n = 50 + g.rng.IntN(21)
			default:
				n = 1 + poisson(g.rng, light-1)
			}
			n = max(1, min(n, rowsLeft-(personsLeft-1)))
		}
		rowsLeft -= n
		g.fen[i+1] = int32(n)
	}
	// Build the Fenwick tree in place (O(n)).
	for i := 1; i <= p; i++ {
		if j := i + (i & -i); j <= p {
			g.fen[j] += g.fen[i]
		}
	}
	g.top = 1
	for g.top*2 <= p {
		g.top *= 2
	}
	return g, nil
}

// next draws the next row's person and removes one of its remaining rows; -1 when done.
func (g *generator) next() int {
	if g.left == 0 {
		return -1
	}
	u := int32(g.rng.IntN(g.left))
	pos := 0
	for step := g.top; step > 0; step >>= 1 {
		if q := pos + step; q <= g.persons && g.fen[q] <= u {
			pos = q
			u -= g.fen[q]
		}
	}
	// pos is the 0-based person index (1-based position pos+1).
	for i := pos + 1; i <= g.persons; i += i & -i {
		g.fen[i]--
	}
	g.left--
	return pos
}

// person fills the person-level fields of r for person i (depends only on seed and i).
func (g *generator) person(i int, r *row) (units [8]int, nUnits int) {
	g.pcg.Seed(g.opt.Seed^0x706572736f6e0000, mix64(uint64(i)+1))
	pr := g.prng
	slot := (uint64(i)*g.mult + g.off) % g.slots
	birth := g.birthEnd.AddDate(0, 0, -int(slot/numIndividual))
	num := 2 + int(slot%numIndividual)
	female := num%2 == 0
	r.person = i
	r.hetu = formatHETU(birth, num, pickSign(pr, birth.Year()))
	swedish := pr.Float64() < 0.45
	switch {
	case swedish && female:
		r.first = pick(pr, firstSvFemale)
	case swedish:
		r.first = pick(pr, firstSvMale)
	case female:
		r.first = pick(pr, firstFiFemale)
	default:
		r.first = pick(pr, firstFiMale)
	}
	if swedish == (pr.Float64() < 0.8) {
		r.last = pick(pr, lastSv)
	} else {
		r.last = pick(pr, lastFi)
	}
	if swedish {
		r.street = pick(pr, streetsSv)
	} else {
		r.street = pick(pr, streetsFi)
	}
	r.street += " " + strconv.Itoa(1+pr.IntN(60))
	if pr.IntN(2) == 0 {
		r.street += " " + string(rune('A'+pr.IntN(4))) + " " + strconv.Itoa(1+pr.IntN(40))
	}
	r.postalIdx = weighted(pr, g.postalCum)
	r.postal = postalCodes[r.postalIdx]
	if pr.IntN(10) == 0 {
		r.phone = ""
	} else {
		r.phone = "+358 4" + strconv.Itoa(pr.IntN(10)) + " " + strconv.Itoa(100+pr.IntN(900)) + " " + strconv.Itoa(1000+pr.IntN(9000))
	}
	if pr.IntN(8) == 0 {
		r.email = ""
	} else {
		r.email = asciiFold(r.first) + "." + asciiFold(r.last) + "@" + pick(pr, mailDomains)
	}
	// Units: most persons 1–4 (half of them 2–4), heavy ones up to 8, so that bounding to
	// 3 partitions bites. Slots may repeat a unit.
	nUnits = 1 + pr.IntN(4)
	if pr.Float64() < 0.5 {
		nUnits = 2 + pr.IntN(3)
	}
	for k := 0; k < nUnits; k++ {
		units[k] = weighted(pr, g.unitCum)
	}
	// Four more for the heavy persons (>= 50 rows), who use all eight slots.
	for k := 4; k < 8; k++ {
		units[k] = weighted(pr, g.unitCum)
	}
	return units, nUnits
}

// fill draws row r of person i: the person's fields plus the row-level ones.
func (g *generator) fill(i int, r *row, heavy bool) {
	units, n := g.person(i, r)
	if heavy {
		n = 8
	}
	rr := g.rng
	if rr.Float64() < 0.4 {
		r.unitIndex = units[0]
	} else {
		r.unitIndex = units[rr.IntN(n)]
	}
	r.unit = unitNames[r.unitIndex]
	switch u := rr.Float64(); {
	case u < 0.02:
		r.fee = math.NaN()
	case u < 0.12:
		r.fee = 0
	default:
		r.fee = float64(2700+rr.IntN(45000-2700+1)) / 100
	}
	if rr.Float64() < 0.03 {
		r.hours = math.NaN()
	} else {
		r.hours = float64(100+rr.IntN(401)) / 10
	}
	r.start = g.startMin.AddDate(0, 0, rr.IntN(g.startDays))
	if rr.Float64() < 0.3 {
		r.notes = pick(rr, notesList)
	} else {
		r.notes = ""
	}
}

// generate streams the register's rows to emit, in a deterministic shuffled order. emit must
// not keep r: it is reused.
func generate(opt options, emit func(*row) error) error {
	g, err := newGenerator(opt)
	if err != nil {
		return err
	}
	// heavy: one bit a person with >= 50 rows, recovered from the tree's prefix sums.
	heavy := make([]uint64, (g.persons+63)/64)
	{
		prev := int32(0)
		for i := 1; i <= g.persons; i++ {
			s := g.prefix(i)
			if s-prev >= 50 {
				heavy[(i-1)/64] |= 1 << ((i - 1) % 64)
			}
			prev = s
		}
	}
	var r row
	for {
		i := g.next()
		if i < 0 {
			return nil
		}
		g.fill(i, &r, heavy[i/64]&(1<<(i%64)) != 0)
		if err := emit(&r); err != nil {
			return err
		}
	}
}

func (g *generator) prefix(i int) int32 {
	var s int32
	for ; i > 0; i -= i & -i {
		s += g.fen[i]
	}
	return s
}

// csvWriter writes rows in one dialect.
type csvWriter struct {
	d   dialect
	w   *bufio.Writer
	buf []byte
}

func newCSVWriter(w io.Writer, d dialect) *csvWriter {
	return &csvWriter{d: d, w: bufio.NewWriterSize(w, 1<<20)}
}

func (c *csvWriter) header() error {
	c.buf = c.buf[:0]
	for k, s := range columns {
		if k > 0 {
			c.buf = append(c.buf, c.d.delim)
		}
		c.buf = c.appendField(c.buf, s)
	}
	return c.endLine()
}

func (c *csvWriter) endLine() error {
	if c.d.crlf {
		c.buf = append(c.buf, '\r')
	}
	c.buf = append(c.buf, '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *csvWriter) write(r *row) error {
	b := c.buf[:0]
	d := c.d.delim
	b = c.appendField(b, r.hetu)
	b = append(b, d)
	b = c.appendField(b, r.first)
	b = append(b, d)
	b = c.appendField(b, r.last)
	b = append(b, d)
	b = c.appendField(b, r.street)
	b = append(b, d)
	b = c.appendField(b, r.postal)
	b = append(b, d)
	b = c.appendField(b, r.unit)
	b = append(b, d)
	b = c.appendNumber(b, r.fee, 2)
	b = append(b, d)
	b = c.appendNumber(b, r.hours, 1)
	b = append(b, d)
	y, m, day := r.start.Date()
	if c.d.fiDates {
		b = strconv.AppendInt(b, int64(day), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(y), 10)
	} else {
		b = r.start.AppendFormat(b, time.DateOnly)
	}
	b = append(b, d)
	b = c.appendField(b, r.phone)
	b = append(b, d)
	b = c.appendField(b, r.email)
	b = append(b, d)
	b = c.appendField(b, r.notes)
	c.buf = b
	return c.endLine()
}

func (c *csvWriter) appendNumber(b []byte, v float64, decimals int) []byte {
	if math.IsNaN(v) {
		return b
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', decimals, 64)
	if c.d.decimalComma {
		for k := n; k < len(b); k++ {
			if b[k] == '.' {
				b[k] = ','
			}
		}
	}
	return b
}

// appendField appends s, quoted when it holds the delimiter, a quote or a line break, and
// encoded in Windows-1252 for the fi dialect.
func (c *csvWriter) appendField(b []byte, s string) []byte {
	quote := false
	for k := 0; k < len(s); k++ {
		if ch := s[k]; ch == c.d.delim || ch == '"' || ch == '\n' || ch == '\r' {
			quote = true
			break
		}
	}
	if quote {
		b = append(b, '"')
	}
	for k := 0; k < len(s); {
		ch := s[k]
		if ch < utf8.RuneSelf {
			if ch == '"' && quote {
				b = append(b, '"')
			}
			b = append(b, ch)
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		k += size
		if c.d.cp1252 {
			e, ok := charmap.Windows1252.EncodeRune(r)
			if !ok {
				panic(fmt.Sprintf("gen: %U not in Windows-1252", r))
			}
			b = append(b, e)
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	if quote {
		b = append(b, '"')
	}
	return b
}

func (c *csvWriter) flush() error { return c.w.Flush() }

// --- small helpers -------------------------------------------------------------------

const hetuCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// formatHETU builds DDMMYY, the century sign, the three-digit individual number and the
// check character (the same construction as synth.ValidHETU, but with a chosen individual
// number, so that every person's code is unique).
func formatHETU(birth time.Time, num int, sign byte) string {
	y, m, d := birth.Date()
	n := (d*10000+int(m)*100+y%100)*1000 + num
	b := [11]byte{
		byte('0' + d/10), byte('0' + d%10),
		byte('0' + int(m)/10), byte('0' + int(m)%10),
		byte('0' + y%100/10), byte('0' + y%10),
		sign,
		byte('0' + num/100), byte('0' + num/10%10), byte('0' + num%10),
		hetuCheck[n%31],
	}
	return string(b[:])
}

// pickSign returns the classic century sign seven times in eight, else a newer one.
func pickSign(r *rand.Rand, year int) byte {
	var s string
	switch {
	case year < 1900:
		s = "+"
	case year < 2000:
		s = "-YXWVU"
	default:
		s = "ABCDEF"
	}
	if len(s) == 1 || r.IntN(8) != 0 {
		return s[0]
	}
	return s[1+r.IntN(len(s)-1)]
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	var sum float64
	for i, x := range w {
		sum += x
		out[i] = sum
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

func weighted(r *rand.Rand, cum []float64) int {
	u := r.Float64()
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if u < cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func asciiFold(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		switch c {
		case 'ä', 'å', 'á', 'Ä', 'Å':
			c = 'a'
		case 'ö', 'ø', 'Ö':
			c = 'o'
		case 'é':
			c = 'e'
		case 'ü':
			c = 'u'
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c < 0x80 {
			b = append(b, byte(c))
		}
	}
	return string(b)
}
