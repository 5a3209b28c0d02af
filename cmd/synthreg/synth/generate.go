package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Options choose what Generate produces. The zero value of every field but Rows means its
// default.
type Options struct {
	// Seed selects the register: the same Options give the same rows, byte for byte.
	Seed uint64
	// Rows is the number of data rows (enrolments); 0 gives an empty register.
	Rows int
	// Persons is the number of distinct persons; 0 means Rows/4 (at least 1 when Rows > 0).
	// It must not exceed Rows: every person has at least one row.
	Persons int
	// Skew gives the benchmark's heavy tail: about 2 % of persons hold 50–70 rows and about
	// 0.02 % hold 500–700; the rest share the remaining rows (a few each). The shape needs
	// Rows/Persons of about 3 or more; below that the light persons get one row each.
	Skew bool
	// Invalid is the share (0–1) of rows whose HETU is made invalid: a wrong check
	// character, a truncated code, or an empty field. The rest of the row is unchanged, and
	// the same seed draws the same rows whatever Invalid is (only HETUs differ).
	Invalid float64
	// Withdrawn is the share (0–1) of persons on the withdrawn-consent list: exactly
	// round(Withdrawn × Persons) persons, see the function Withdrawn.
	Withdrawn float64
	// AsOf is the date the extract describes; zero means 2026-01-01. Persons are children
	// born in the seven years before it (aged 0–6 on AsOf), or in a longer span when Persons
	// is too large for seven years of unique codes (more than about 1.1 million); start
	// dates fall from seven years before AsOf to the end of AsOf's year.
	AsOf time.Time
}

// DefaultAsOf is the reference date used when Options.AsOf is zero.
var DefaultAsOf = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// ErrOptions is wrapped by every error about invalid Options.
var ErrOptions = errors.New("invalid options")

// Row is one logical row of the register, the same for every writer. Strings are UTF-8 (NFC);
// an empty string is an empty field. Writers output the columns in Columns() order.
type Row struct {
	HETU       string
	FirstName  string
	LastName   string
	Street     string
	PostalCode string // five digits, except that about 5 % of codes with a leading zero lost it (as Excel does), and about 1 % of persons have none
	Unit       string
	MonthlyFee float64   // euros with two decimals, 0–450; NaN: empty
	Hours      float64   // weekly hours with one decimal, 10–50; NaN: empty
	StartDate  time.Time // a calendar date (UTC midnight)
	Phone      string
	Email      string
	Notes      string

	// Truth is what a test needs to compute exact expectations. Writers never output it.
	Truth Truth
}

// Truth is the ground truth behind a Row, for tests; it is never written.
type Truth struct {
	Person    int       // 0-based person index: rows with the same index are one person
	HETU      string    // the person's valid code (Row.HETU differs only when InvalidID)
	Birth     time.Time // the person's birth date
	Female    bool      // the sex the code tells (even individual number)
	Withdrawn bool      // the person is on the withdrawn list
	InvalidID bool      // Row.HETU was made invalid
}

// Columns returns the header in output order. Its names are the keys of WriteJSONL.
func Columns() []string {
	return []string{"hetu", "first_name", "last_name", "street", "postal_code", "unit",
		"monthly_fee", "hours", "start_date", "phone", "email", "notes"}
}

// Units returns the names of every daycare unit the generator uses, in a fixed order
// (the public values of a `unit` dimension).
func Units() []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.name
	}
	return out
}

// shuffleWindow is how many rows Generate holds to mix the persons' rows: rows leave the
// window in random order, so a person's rows are spread rather than adjacent.
const shuffleWindow = 4096

// Generate produces opt.Rows rows of opt.Persons persons and hands each to emit, in a
// deterministic order; it stops at and returns emit's first error. Memory stays bounded
// (a window of a few thousand rows) whatever opt.Rows is. emit may keep the Row: nothing in
// it is reused.
func Generate(opt Options, emit func(Row) error) error {
	g, err := newGenerator(opt)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(g.opt.Seed, 0x73796e7468726567)) // "synthreg"
	window := make([]Row, 0, min(shuffleWindow, g.opt.Rows))
	push := func(r Row) error {
		if len(window) < cap(window) {
			window = append(window, r)
			return nil
		}
		k := rng.IntN(len(window))
		out := window[k]
		window[k] = r
		return emit(out)
	}
	rowsLeft := g.opt.Rows
	var p person
	for i := 0; i < g.opt.Persons; i++ {
		g.person(i, &p)
		n := g.rowCount(rng, rowsLeft, g.opt.Persons-i)
		rowsLeft -= n
		for range n {
			if err := push(g.row(rng, &p)); err != nil {
				return err
			}
		}
	}
	rng.Shuffle(len(window), func(i, j int) { window[i], window[j] = window[j], window[i] })
	for _, r := range window {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// Withdrawn returns the HETUs of the withdrawn persons of the register opt describes:
// exactly round(opt.Withdrawn × persons) distinct valid codes, each belonging to a generated
// person, in a deterministic order. It does not generate the rows.
func Withdrawn(opt Options) ([]string, error) {
	g, err := newGenerator(opt)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, g.withdrawnK)
	var p person
	for j := range g.withdrawnK {
		g.person(int(g.withdrawnPerm.inverse(uint64(j))), &p)
		out = append(out, p.hetu)
	}
	return out, nil
}

// generator holds what is fixed for one Options.
type generator struct {
	opt           Options
	birthEnd      time.Time // the latest birth date (the day before AsOf)
	births        perm      // person index → (birth day offset, individual number) slot
	withdrawnPerm perm      // person index → rank; ranks below withdrawnK are withdrawn
	withdrawnK    int
	startMin      time.Time
	startMax      time.Time
	pcg           *rand.PCG // reseeded per person
	prng          *rand.Rand
	unitCum       []float64
	unitCumFi     []float64 // weights favouring Finnish units
	unitCumSv     []float64 // weights favouring Swedish units
	postalCum     []float64
}

// Validate reports whether Generate would accept the options; its errors wrap ErrOptions.
func (o Options) Validate() error {
	_, err := newGenerator(o)
	return err
}

func newGenerator(opt Options) (*generator, error) {
	if opt.Rows < 0 {
		return nil, fmt.Errorf("%w: rows must be >= 0", ErrOptions)
	}
	if opt.Persons < 0 {
		return nil, fmt.Errorf("%w: persons must be >= 0", ErrOptions)
	}
	if opt.Persons == 0 {
		opt.Persons = opt.Rows / 4
		if opt.Persons == 0 && opt.Rows > 0 {
			opt.Persons = 1
		}
	}
	if opt.Persons > opt.Rows {
		return nil, fmt.Errorf("%w: persons (%d) must not exceed rows (%d)", ErrOptions, opt.Persons, opt.Rows)
	}
	if !(opt.Invalid >= 0 && opt.Invalid <= 1) {
		return nil, fmt.Errorf("%w: invalid share must be within [0, 1]", ErrOptions)
	}
	if !(opt.Withdrawn >= 0 && opt.Withdrawn <= 1) {
		return nil, fmt.Errorf("%w: withdrawn share must be within [0, 1]", ErrOptions)
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = DefaultAsOf
	}
	y, m, d := opt.AsOf.Date()
	asOf := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if y < 1900 || y > 2099 {
		return nil, fmt.Errorf("%w: as-of year must be within 1900–2099", ErrOptions)
	}
	g := &generator{
		opt:      opt,
		birthEnd: asOf.AddDate(0, 0, -1),
		startMin: asOf.AddDate(-7, 0, 0),
		startMax: time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC),
	}
	// Birth days: the seven years before AsOf (so ages 0–6 on AsOf), or more so that at most
	// half of the codes are used.
	days := int(asOf.Sub(asOf.AddDate(-7, 0, 0)).Hours()/24) - 1
	if need := (2*opt.Persons + numIndividual - 1) / numIndividual; need > days {
		days = need
	}
	if g.birthEnd.AddDate(0, 0, -(days-1)).Year() < 1800 {
		return nil, fmt.Errorf("%w: too many persons for unique codes", ErrOptions)
	}
	g.births = newPerm(uint64(days)*numIndividual, opt.Seed^0x6269727468730000)
	if opt.Persons > 0 {
		g.withdrawnPerm = newPerm(uint64(opt.Persons), opt.Seed^0x7769746864726177)
		g.withdrawnK = int(math.Round(opt.Withdrawn * float64(opt.Persons)))
	}
	g.pcg = rand.NewPCG(0, 0)
	g.prng = rand.New(g.pcg)
	var wAll, wFi, wSv []float64
	for _, u := range units {
		wAll = append(wAll, u.weight)
		if u.swedish {
			wFi, wSv = append(wFi, u.weight), append(wSv, 3*u.weight)
		} else {
			wFi, wSv = append(wFi, 3*u.weight), append(wSv, u.weight)
		}
	}
	g.unitCum, g.unitCumFi, g.unitCumSv = cumulative(wAll), cumulative(wFi), cumulative(wSv)
	var wPostal []float64
	for _, p := range postalCodes {
		wPostal = append(wPostal, p.weight)
	}
	g.postalCum = cumulative(wPostal)
	return g, nil
}

// person is what stays the same over a person's rows.
type person struct {
	index     int
	hetu      string
	birth     time.Time
	female    bool
	swedish   bool
	withdrawn bool
	first     string
	last      string
	street    string
	postal    string
	phone     string
	email     string
	homeUnit  int
}

// person fills p with person i. It depends only on the seed and i, never on other persons,
// so Withdrawn can build a few persons without the rest.
func (g *generator) person(i int, p *person) {
	slot := g.births.at(uint64(i))
	day, num := int(slot/numIndividual), minIndividual+int(slot%numIndividual)
	g.pcg.Seed(g.opt.Seed^0x706572736f6e0000, mix64(uint64(i)+1))
	r := g.prng
	*p = person{index: i, birth: g.birthEnd.AddDate(0, 0, -day), female: num%2 == 0}
	p.hetu = formatHETU(p.birth, num, pickSign(r, p.birth.Year()))
	p.withdrawn = g.withdrawnPerm.at(uint64(i)) < uint64(g.withdrawnK)
	p.swedish = r.Float64() < 0.45
	switch {
	case p.swedish && p.female:
		p.first = pick(r, firstSvFemale)
	case p.swedish:
		p.first = pick(r, firstSvMale)
	case p.female:
		p.first = pick(r, firstFiFemale)
	default:
		p.first = pick(r, firstFiMale)
	}
	if p.swedish == (r.Float64() < 0.8) {
		p.last = pick(r, lastSv)
	} else {
		p.last = pick(r, lastFi)
	}
	p.street = street(r, p.swedish)
	if r.Float64() < 0.01 {
		p.postal = ""
	} else {
		p.postal = postalCodes[weighted(r, g.postalCum)].code
	}
	p.phone = phone(r)
	p.email = email(r, p.first, p.last)
	if p.swedish {
		p.homeUnit = weighted(r, g.unitCumSv)
	} else {
		p.homeUnit = weighted(r, g.unitCumFi)
	}
}

// rowCount draws how many rows the next person gets when rowsLeft rows remain for
// personsLeft persons: around the remaining mean, so the total comes out exact, and at least
// one row for every person still to come.
func (g *generator) rowCount(r *rand.Rand, rowsLeft, personsLeft int) int {
	if personsLeft == 1 {
		return rowsLeft
	}
	mean := float64(rowsLeft) / float64(personsLeft)
	var n int
	if g.opt.Skew {
		const heavyShare, heavyMean, hugeShare, hugeMean = 0.02, 60, 0.0002, 600
		switch u := r.Float64(); {
		case u < hugeShare:
			n = 500 + r.IntN(201)
		case u < hugeShare+heavyShare:
			n = 50 + r.IntN(21)
		default:
			light := (mean - heavyShare*heavyMean - hugeShare*hugeMean) / (1 - heavyShare - hugeShare)
			n = 1 + poisson(r, light-1)
		}
	} else {
		n = 1 + poisson(r, mean-1)
	}
	return max(1, min(n, rowsLeft-(personsLeft-1)))
}

// row draws one enrolment of person p.
func (g *generator) row(r *rand.Rand, p *person) Row {
	row := Row{
		HETU: p.hetu, FirstName: p.first, LastName: p.last, Street: p.street,
		PostalCode: p.postal, Phone: p.phone, Email: p.email,
		Truth: Truth{Person: p.index, HETU: p.hetu, Birth: p.birth, Female: p.female, Withdrawn: p.withdrawn},
	}
	// Every draw happens whatever the options, so Invalid changes HETUs only.
	invalid := r.Float64() < g.opt.Invalid
	corruption := r.IntN(10)
	if invalid {
		row.Truth.InvalidID = true
		switch {
		case corruption < 6: // a wrong check character
			c := strings.IndexByte(hetuCheck, p.hetu[10])
			row.HETU = p.hetu[:10] + string(hetuCheck[(c+1+corruption)%len(hetuCheck)])
		case corruption < 8: // a truncated code
			row.HETU = p.hetu[:10]
		default:
			row.HETU = ""
		}
	}
	if r.Float64() < 0.85 {
		row.Unit = units[p.homeUnit].name
	} else {
		row.Unit = units[weighted(r, g.unitCum)].name
	}
	if stripped := strings.TrimLeft(p.postal, "0"); r.Float64() < 0.05 && stripped != "" {
		row.PostalCode = stripped
	}
	switch u := r.Float64(); {
	case u < 0.02:
		row.MonthlyFee = math.NaN()
	case u < 0.12:
		row.MonthlyFee = 0
	default:
		row.MonthlyFee = float64(2700+r.IntN(45000-2700+1)) / 100
	}
	if r.Float64() < 0.03 {
		row.Hours = math.NaN()
	} else {
		row.Hours = float64(100+r.IntN(401)) / 10
	}
	lo := p.birth.AddDate(0, 0, 270)
	if lo.Before(g.startMin) {
		lo = g.startMin
	}
	span := int(g.startMax.Sub(lo).Hours()/24) + 1
	row.StartDate = lo.AddDate(0, 0, r.IntN(span))
	if r.Float64() < 0.3 {
		row.Notes = pick(r, notesList)
	}
	return row
}

func street(r *rand.Rand, swedish bool) string {
	name := pick(r, streetsFi)
	if swedish {
		name = pick(r, streetsSv)
	}
	n := strconv.Itoa(1 + r.IntN(60))
	switch u := r.IntN(10); {
	case u < 4:
		return name + " " + n
	case u < 6:
		return name + " " + n + " " + string(rune('A'+r.IntN(4)))
	case u < 9:
		return name + " " + n + " " + string(rune('A'+r.IntN(4))) + " " + strconv.Itoa(1+r.IntN(40))
	default:
		if swedish {
			return name + " " + n + " bst " + strconv.Itoa(1+r.IntN(12))
		}
		return name + " " + n + " as " + strconv.Itoa(1+r.IntN(12))
	}
}

func phone(r *rand.Rand) string {
	pre := pick(r, mobilePrefixes)
	sub := fmt.Sprintf("%07d", r.IntN(10_000_000))
	switch r.IntN(10) {
	case 0:
		return ""
	case 1, 2, 3:
		return "+358 " + pre + " " + sub[:3] + " " + sub[3:]
	case 4, 5, 6:
		return "0" + pre + "-" + sub
	case 7, 8:
		return "0" + pre + " " + sub[:3] + " " + sub[3:]
	default:
		return "+358" + pre + sub
	}
}

func email(r *rand.Rand, first, last string) string {
	f, l := asciiFold(first), asciiFold(last)
	dom := pick(r, mailDomains)
	switch r.IntN(8) {
	case 0:
		return ""
	case 1:
		return f[:1] + "." + l + "@" + dom
	case 2:
		return f + l + strconv.Itoa(10+r.IntN(90)) + "@" + dom
	default:
		return f + "." + l + "@" + dom
	}
}

// asciiFold lower-cases s and folds the Nordic letters to ASCII (ä→a, ö→o, å→a, é→e).
func asciiFold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch c {
		case 'ä', 'å', 'á':
			c = 'a'
		case 'ö', 'ø':
			c = 'o'
		case 'é':
			c = 'e'
		case 'ü':
			c = 'u'
		}
		if c < 0x80 {
			b.WriteRune(c)
		}
	}
	return b.String()
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

// weighted draws an index with the probabilities cum (cumulative, ending at 1) gives.
func weighted(r *rand.Rand, cum []float64) int {
	u := r.Float64()
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

// poisson draws a Poisson variate of mean lambda (0 when lambda <= 0): Knuth's method for
// small means, a rounded normal approximation for large ones.
func poisson(r *rand.Rand, lambda float64) int {
	switch {
	case lambda <= 0:
		return 0
	case lambda < 30:
		l, k, p := math.Exp(-lambda), 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	default:
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
}
