package anonymize

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/statexport/statexport/config"
)

// Rejection reasons (never carry the value).
var (
	ErrValueType = fmt.Errorf("value of an unsupported type")
)

// Row is one prepared record: the person's in-memory key, its dimension values as dictionary ids
// (Preparer.Dimensions order) and its measures (Preparer.Measures order; NaN when missing). It is
// reused between calls: a consumer copies what it keeps.
type Row struct {
	Person  uint64
	Ordinal int64 // source row number; unique per record, feeds the bounding's random choice
	Dims    []uint32
	Vals    []float64
}

// Counts are the exact input counts of a run; they go to the ledger, never to a published file.
type Counts struct {
	Read     int64 // every data record
	Rejected int64 // invalid id or value
	Excluded int64 // withdrawn consent
	// FirstRejections cites, per "column: reason", the first rejected row and how many there were.
	FirstRejections map[string]Rejection
}

// Rejection locates the first row rejected for one reason.
type Rejection struct {
	Row   int64
	Count int64
}

// PrepareOptions configure a Preparer.
type PrepareOptions struct {
	Job *config.Job
	// PeriodStart is the first day of the release's budget period, for `age_at: period_start`.
	PeriodStart time.Time
	// Withdrawn holds the keys of persons whose rows are excluded.
	Withdrawn map[uint64]struct{}
	// Seed keys the hash of `format: any` person ids; one per run.
	Seed maphash.Seed
}

// Preparer turns source records into Rows: it validates the person id, derives age band and
// sex, parses measures, generalises dimensions and drops everything else.
type Preparer struct {
	keep      []string
	person    int // index in keep
	hetu      bool
	seed      maphash.Seed
	withdrawn map[uint64]struct{}
	dims      []*dimension
	dateCheck []measure // date dimensions no table groups by: validated, not kept
	measures  []measure
	derived   []derived
	decimal   byte
	typedText bool           // the source hands typed numbers as '.'-decimal text (xlsx, jsonl)
	loc       *time.Location // budget.timezone: the local date of a zoned timestamp
	counts    Counts
	row       Row
	numBuf    []byte
}

type dimension struct {
	name  string
	idx   int // index in Preparer.dims
	col   int // index in keep; -1 for derived
	width int
	trunc int
	date  string
	ids   map[string]uint32
	raw   map[string]int32 // raw source text → id, or -1 when the value rejects the row
	dict  []string
}

type measure struct {
	name string
	col  int
}

type derived struct {
	dim   int // index in dims
	kind  string
	bands AgeBander
	at    Date
	ids   []uint32 // age band: id of band i at ids[i+1], of "unknown" at ids[0]; sex: id by Sex
}

// NewPreparer checks the job's columns and builds a Preparer.
func NewPreparer(o PrepareOptions) (*Preparer, error) {
	j := o.Job
	p := &Preparer{person: -1, seed: o.Seed, withdrawn: o.Withdrawn}
	grouped := map[string]bool{}
	for _, t := range j.Tables {
		for _, g := range t.GroupBy {
			grouped[g] = true
		}
	}
	switch j.Source.Decimal {
	case ",", ".":
		p.decimal = j.Source.Decimal[0]
	}
	// XLSX and JSON Lines hand typed numbers (numeric cells, JSON numbers) as text in plain
	// '.' form, among text cells that follow the file's decimal style.
	p.typedText = j.Source.Type == "xlsx" || j.Source.Type == "jsonl"
	p.loc = j.Location()
	for _, c := range j.Columns {
		switch c.Role {
		case config.RolePersonID:
			p.person = len(p.keep)
			p.hetu = c.Format != "any"
		case config.RoleDimension:
			d := &dimension{name: c.Name, col: len(p.keep), width: c.Width}
			if g := c.Generalize; g != nil {
				d.trunc, d.date = g.Truncate, g.Date
			}
			switch {
			case grouped[c.Name]:
				p.addDim(d)
			case d.date != "":
				// No table needs it, but an impossible date still rejects the row (SPEC).
				p.dateCheck = append(p.dateCheck, measure{name: c.Name, col: len(p.keep)})
			default:
				continue // no table needs it and any text is valid: never read
			}
		case config.RoleMeasure:
			p.measures = append(p.measures, measure{name: c.Name, col: len(p.keep)})
		default:
			continue // identifiers and dropped columns are never read
		}
		p.keep = append(p.keep, c.Name)
	}
	if p.person < 0 {
		return nil, fmt.Errorf("no person_id column")
	}
	start := o.PeriodStart
	for _, name := range sortedKeys(j.Derive) {
		spec := j.Derive[name]
		dv := derived{dim: len(p.dims), kind: spec.Kind()}
		if dv.kind == config.DeriveAgeBand {
			dv.bands = NewAgeBander(spec.Bands)
			dv.at = Date{start.Year(), int(start.Month()), start.Day()}
			if spec.AgeAt != "" && spec.AgeAt != "period_start" {
				at, err := ParseDate([]byte(spec.AgeAt))
				if err != nil {
					return nil, fmt.Errorf("derive.%s.age_at: %w", name, err)
				}
				dv.at = at
			}
		}
		p.addDim(&dimension{name: name, col: -1})
		if dv.kind == config.DeriveAgeBand {
			dv.ids = append(dv.ids, p.Intern(dv.dim, UnknownBand))
			for _, l := range dv.bands.Labels() {
				dv.ids = append(dv.ids, p.Intern(dv.dim, l))
			}
		} else {
			for _, s := range []Sex{SexUnknown, SexFemale, SexMale} {
				dv.ids = append(dv.ids, p.Intern(dv.dim, s.String()))
			}
		}
		p.derived = append(p.derived, dv)
	}
	p.row.Dims = make([]uint32, len(p.dims))
	p.row.Vals = make([]float64, len(p.measures))
	p.counts.FirstRejections = map[string]Rejection{}
	return p, nil
}

func (p *Preparer) addDim(d *dimension) {
	d.idx = len(p.dims)
	d.ids = map[string]uint32{}
	d.raw = map[string]int32{}
	p.dims = append(p.dims, d)
}

// Keep lists the source columns the Preparer reads, in the order Batch expects them.
func (p *Preparer) Keep() []string { return p.keep }

// Dimensions names the prepared dimensions (source dimensions, then derived columns).
func (p *Preparer) Dimensions() []string {
	names := make([]string, len(p.dims))
	for i, d := range p.dims {
		names[i] = d.name
	}
	return names
}

// Measures names the prepared measures, in Row.Vals order.
func (p *Preparer) Measures() []string {
	names := make([]string, len(p.measures))
	for i, m := range p.measures {
		names[i] = m.name
	}
	return names
}

// Value returns the text of dimension dim's id.
func (p *Preparer) Value(dim int, id uint32) string { return p.dims[dim].dict[id] }

// Intern returns the id of a dimension value, adding it when new (public values are interned
// before the data so every listed combination has an id).
func (p *Preparer) Intern(dim int, value string) uint32 {
	d := p.dims[dim]
	if id, ok := d.ids[value]; ok {
		return id
	}
	id := uint32(len(d.dict))
	d.ids[value] = id
	d.dict = append(d.dict, value)
	return id
}

// Counts returns the counts so far.
func (p *Preparer) Counts() Counts { return p.counts }

// Batch prepares every record of rec (columns in Keep order) and calls emit for each record that
// is neither excluded nor rejected. rows[i] is record i's source row number.
func (p *Preparer) Batch(rec arrow.Record, rows []int64, emit func(*Row)) error {
	if int(rec.NumCols()) != len(p.keep) {
		return fmt.Errorf("prepare: got %d columns, want %d", rec.NumCols(), len(p.keep))
	}
	cols := make([]column, len(p.keep))
	for i := range cols {
		c, err := newColumn(rec.Column(i), p.loc)
		if err != nil {
			return fmt.Errorf("column %q: %w", p.keep[i], err)
		}
		cols[i] = c
	}
	n := int(rec.NumRows())
	for i := 0; i < n; i++ {
		p.counts.Read++
		row := rows[i]
		person, ok := p.personOf(cols[p.person], i)
		if ok {
			if _, gone := p.withdrawn[person.Key]; gone {
				p.counts.Excluded++
				continue
			}
		} else {
			p.reject(row, p.keep[p.person], ErrPersonID)
			continue
		}
		if !p.fill(cols, i, row, person) {
			continue
		}
		p.row.Person = person.Key
		p.row.Ordinal = row
		emit(&p.row)
	}
	return nil
}

func (p *Preparer) reject(row int64, col string, why error) {
	p.counts.Rejected++
	key := col + ": " + why.Error()
	r, ok := p.counts.FirstRejections[key]
	if !ok {
		r.Row = row
	}
	r.Count++
	p.counts.FirstRejections[key] = r
}

func (p *Preparer) personOf(c column, i int) (Person, bool) {
	if c.null(i) {
		return Person{}, false
	}
	b := c.bytes(i, &p.numBuf)
	if p.hetu {
		per, err := ParseHETU(b)
		return per, err == nil
	}
	k, err := AnyPersonKey(p.seed, b)
	return Person{Key: k}, err == nil
}

// fill sets p.row's dimensions and measures; false when the row is rejected.
func (p *Preparer) fill(cols []column, i int, row int64, person Person) bool {
	for k, d := range p.dims {
		if d.col < 0 {
			continue
		}
		id, err := p.dimValue(d, cols[d.col], i)
		if err != nil {
			p.reject(row, d.name, err)
			return false
		}
		p.row.Dims[k] = id
	}
	for _, dv := range p.derived {
		if dv.kind == config.DeriveAgeBand {
			p.row.Dims[dv.dim] = dv.ids[bandIndex(ageAt(person.Birth, dv.at), dv.bands.bands)+1]
		} else {
			p.row.Dims[dv.dim] = dv.ids[person.Sex]
		}
	}
	for _, dc := range p.dateCheck {
		if c := cols[dc.col]; c.kind == kindString && !c.null(i) {
			if b := c.bytes(i, &p.numBuf); len(trimBlank(b)) > 0 {
				if _, err := ParseDate(b); err != nil {
					p.reject(row, dc.name, ErrDate)
					return false
				}
			}
		}
	}
	for k, m := range p.measures {
		v, err := p.measureValue(cols[m.col], i)
		if err != nil {
			p.reject(row, m.name, err)
			return false
		}
		p.row.Vals[k] = v
	}
	return true
}

func (p *Preparer) measureValue(c column, i int) (float64, error) {
	if c.null(i) {
		return math.NaN(), nil
	}
	switch c.kind {
	case kindInt:
		return float64(c.ints.Value(i)), nil
	case kindFloat:
		v := c.floats.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, ErrNumber
		}
		return v, nil
	case kindString:
		b := c.bytes(i, &p.numBuf)
		if p.typedText && plainNumber(b) {
			// A typed number: '.' whatever the decimal style, and it does not decide `auto`
			// (SPEC: numbers from typed sources are not text in the file's style).
			if v, ok, err := ParseDecimal(b, '.'); err == nil && ok {
				return v, nil
			}
		}
		sep := p.decimal
		if sep == 0 {
			if sep = DetectDecimal(b); sep != 0 {
				p.decimal = sep
			} else {
				sep = '.'
			}
		}
		v, ok, err := ParseDecimal(b, sep)
		if err != nil {
			return 0, ErrNumber
		}
		if !ok {
			return math.NaN(), nil
		}
		return v, nil
	}
	return 0, ErrNumber
}

// dimValue maps one cell to its dimension id, caching by raw text so a repeated value costs one
// map lookup and no allocation.
func (p *Preparer) dimValue(d *dimension, c column, i int) (uint32, error) {
	if c.null(i) {
		return p.Intern(d.idx, Missing), nil
	}
	b := c.bytes(i, &p.numBuf)
	if id, ok := d.raw[string(b)]; ok {
		if id < 0 {
			return 0, ErrDate
		}
		return uint32(id), nil
	}
	v, err := p.normalize(d, c, i, b)
	raw := string(b)
	if err != nil {
		d.raw[raw] = -1
		return 0, err
	}
	id := p.Intern(d.idx, v)
	d.raw[raw] = int32(id)
	return id, nil
}

func (p *Preparer) normalize(d *dimension, c column, i int, b []byte) (string, error) {
	if d.date != "" {
		var dt Date
		switch c.kind {
		case kindDate:
			dt = DateFromDays(int32(c.dates.Value(i)))
		case kindTimestamp:
			dt = timestampDate(c, i)
		default:
			var err error
			if dt, err = ParseDate(b); err != nil {
				if len(trimBlank(b)) == 0 {
					return Missing, nil
				}
				return "", ErrDate
			}
		}
		return dt.Generalize(d.date), nil
	}
	v := NormalizeDimension(b)
	if v == Missing {
		return v, nil
	}
	if d.width > 0 {
		v = PadDigits(v, d.width)
	}
	if d.trunc > 0 {
		v = Truncate(v, d.trunc)
	}
	return v, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func trimBlank(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

type colKind uint8

const (
	kindString colKind = iota
	kindInt
	kindFloat
	kindDate
	kindTimestamp
	kindBool
)

// column reads one Arrow column without boxing values.
type column struct {
	kind   colKind
	arr    arrow.Array
	strs   *array.String
	offs   []int32
	data   []byte
	ints   *array.Int64
	floats *array.Float64
	dates  *array.Date32
	stamps *array.Timestamp
	bools  *array.Boolean
	tsUnit arrow.TimeUnit
	// tsLoc is where a timestamp's date is read: budget.timezone for an instant (a timestamp
	// with a zone, timestamptz), UTC for a wall-clock timestamp (no zone: its date as written).
	tsLoc *time.Location
}

func newColumn(a arrow.Array, loc *time.Location) (column, error) {
	c := column{arr: a}
	switch x := a.(type) {
	case *array.String:
		c.kind, c.strs, c.offs, c.data = kindString, x, x.ValueOffsets(), x.ValueBytes()
	case *array.Int64:
		c.kind, c.ints = kindInt, x
	case *array.Float64:
		c.kind, c.floats = kindFloat, x
	case *array.Date32:
		c.kind, c.dates = kindDate, x
	case *array.Timestamp:
		c.kind, c.stamps = kindTimestamp, x
		tt := x.DataType().(*arrow.TimestampType)
		c.tsUnit, c.tsLoc = tt.Unit, time.UTC
		if tt.TimeZone != "" {
			c.tsLoc = loc
		}
	case *array.Boolean:
		c.kind, c.bools = kindBool, x
	default:
		return c, ErrValueType
	}
	return c, nil
}

func (c column) null(i int) bool { return c.arr.IsNull(i) }

// bytes renders cell i as text; typed values are formatted into buf (no exponent, no trailing
// zeros), so dimensions from typed sources read like their text.
func (c column) bytes(i int, buf *[]byte) []byte {
	switch c.kind {
	case kindString:
		base := c.offs[0]
		return c.data[c.offs[i]-base : c.offs[i+1]-base]
	case kindInt:
		*buf = strconv.AppendInt((*buf)[:0], c.ints.Value(i), 10)
	case kindFloat:
		*buf = append((*buf)[:0], FormatNumber(c.floats.Value(i))...)
	case kindDate:
		d := DateFromDays(int32(c.dates.Value(i)))
		*buf = fmt.Appendf((*buf)[:0], "%04d-%02d-%02d", d.Year, d.Month, d.Day)
	case kindTimestamp:
		d := timestampDate(c, i)
		*buf = fmt.Appendf((*buf)[:0], "%04d-%02d-%02d", d.Year, d.Month, d.Day)
	case kindBool:
		*buf = strconv.AppendBool((*buf)[:0], c.bools.Value(i))
	}
	return *buf
}

func timestampDate(c column, i int) Date {
	t := c.stamps.Value(i).ToTime(c.tsUnit).In(c.tsLoc)
	return Date{t.Year(), int(t.Month()), t.Day()}
}
