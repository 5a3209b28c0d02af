package inspect

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/connectors"
)

// DefaultSampleRows is how many records Inspect profiles when not told otherwise.
const DefaultSampleRows = 10000

// distinctCap bounds the distinct values tracked per column: the largest bucket is ">1000".
const distinctCap = 1001

// Inferred column types.
const (
	TypeEmpty   = "empty" // no non-empty value in the sample
	TypeText    = "text"
	TypeInteger = "integer"
	TypeDecimal = "decimal"
	TypeDate    = "date"
	TypeBoolean = "boolean"
)

// Column is the profile of one column over the sample. It holds counts only, never a value.
type Column struct {
	Name     string
	Type     string           // one of the Type constants
	Typed    bool             // the source gave the column a typed Arrow type (not a string)
	Values   int              // values seen (the sample's records)
	Empty    int              // empty or null values
	Distinct int              // distinct non-empty values, capped at 1001
	Found    map[pii.Kind]int // values in which pii.Detect finds each kind
	Names    int              // values whose first or last word is a common first or family name
	Streets  int              // values shaped like a street address ("Kirkkotie 5 A 7")
	FreeText int              // values that read like prose (punctuation, four or more words, long)
	Postal   int              // values of three to five digits
	Zeros    int              // those of them starting with 0
	Length   int              // total length in characters of the non-empty values

	ints, decimals, dates, bools int
	seen                         map[uint64]struct{}
}

// NonEmpty is the number of non-empty values.
func (c *Column) NonEmpty() int { return c.Values - c.Empty }

// EmptyShare is the share of empty values, 0 for an empty sample.
func (c *Column) EmptyShare() float64 {
	if c.Values == 0 {
		return 0
	}
	return float64(c.Empty) / float64(c.Values)
}

// Bucket is the distinct-count bucket: "0", "1", "2–10", "11–100", "101–1000" or ">1000".
func (c *Column) Bucket() string {
	switch d := c.Distinct; {
	case d == 0:
		return "0"
	case d == 1:
		return "1"
	case d <= 10:
		return "2–10"
	case d <= 100:
		return "11–100"
	case d <= 1000:
		return "101–1000"
	}
	return ">1000"
}

// share is n over the non-empty values.
func (c *Column) share(n int) float64 {
	if c.NonEmpty() == 0 {
		return 0
	}
	return float64(n) / float64(c.NonEmpty())
}

// Profile is the profile of a source's sample.
type Profile struct {
	Columns   []*Column
	Records   int  // records profiled
	Truncated bool // the source holds more records than were profiled
}

// ErrHeaderless reports a column name that looks like personal data: the extract probably
// has no header row, and printing its "names" would print values.
var ErrHeaderless = errors.New("the column name looks like personal data: the extract may lack a header row")

var hashSeed = maphash.MakeSeed()

// ProfileSource profiles the first sampleRows records of src (DefaultSampleRows when 0). src
// must have been opened with every column kept, in Columns() order. Column names that look
// like personal data fail with ErrHeaderless (citing the position only); read errors are
// returned as the source gives them.
func ProfileSource(ctx context.Context, src connectors.Source, sampleRows int) (*Profile, error) {
	if sampleRows <= 0 {
		sampleRows = DefaultSampleRows
	}
	names := src.Columns()
	for i, n := range names {
		if looksPersonal(n) {
			return nil, fmt.Errorf("column %d: %w", i+1, ErrHeaderless)
		}
	}
	p := &Profile{}
	for _, n := range names {
		p.Columns = append(p.Columns, &Column{Name: n, Found: map[pii.Kind]int{}, seen: map[uint64]struct{}{}})
	}
	var buf []byte
	for p.Records < sampleRows {
		b, err := src.Next(ctx)
		if err == io.EOF {
			return p.finish(), nil
		}
		if err != nil {
			return nil, err
		}
		n := min(int(b.Record.NumRows()), sampleRows-p.Records)
		if int(b.Record.NumCols()) != len(p.Columns) {
			b.Record.Release()
			return nil, errors.New("inspect: the source must be opened with every column kept")
		}
		for j, c := range p.Columns {
			buf = c.addColumn(b.Record.Column(j), n, buf)
		}
		p.Records += n
		b.Record.Release()
		if n < int(b.Record.NumRows()) {
			p.Truncated = true
			return p.finish(), nil
		}
	}
	// The sample is full: is there more?
	b, err := src.Next(ctx)
	if err == nil {
		p.Truncated = true
		b.Record.Release()
	} else if err != io.EOF {
		return nil, err
	}
	return p.finish(), nil
}

func (p *Profile) finish() *Profile {
	for _, c := range p.Columns {
		c.seen = nil
		switch ne := c.NonEmpty(); {
		case ne == 0:
			c.Type = TypeEmpty
		case c.bools == ne:
			c.Type = TypeBoolean
		case c.dates == ne:
			c.Type = TypeDate
		case c.ints == ne:
			c.Type = TypeInteger
		case c.ints+c.decimals == ne:
			c.Type = TypeDecimal
		default:
			c.Type = TypeText
		}
	}
	return p
}

// addColumn profiles the first n values of a. Typed values are rendered into buf, which is
// returned for reuse; nothing outlives the call but counts and hashes.
func (c *Column) addColumn(a arrow.Array, n int, buf []byte) []byte {
	for i := 0; i < n; i++ {
		c.Values++
		if a.IsNull(i) {
			c.Empty++
			continue
		}
		switch x := a.(type) {
		case *array.String:
			c.addText(x.Value(i))
			continue
		case *array.Int64:
			c.Typed = true
			buf = strconv.AppendInt(buf[:0], x.Value(i), 10)
			c.ints++
		case *array.Float64:
			c.Typed = true
			buf = strconv.AppendFloat(buf[:0], x.Value(i), 'f', -1, 64)
			c.decimals++
		case *array.Date32:
			c.Typed = true
			buf = append(buf[:0], x.Value(i).FormattedString()...)
			c.dates++
		case *array.Timestamp:
			c.Typed = true
			unit := x.DataType().(*arrow.TimestampType).Unit
			buf = x.Value(i).ToTime(unit).UTC().AppendFormat(buf[:0], "2006-01-02")
			c.dates++
		case *array.Boolean:
			c.Typed = true
			buf = strconv.AppendBool(buf[:0], x.Value(i))
			c.bools++
		default:
			c.Typed = true
			buf = append(buf[:0], a.ValueStr(i)...)
		}
		c.addDistinct(buf)
		c.Length += len(buf)
		if isIntArray(a) {
			c.addPostal(string(buf))
		}
	}
	return buf
}

// isIntArray tells whether a is an integer array (postal codes stored as numbers).
func isIntArray(a arrow.Array) bool { _, ok := a.(*array.Int64); return ok }

func (c *Column) addDistinct(b []byte) {
	if len(c.seen) < distinctCap {
		c.seen[maphash.Bytes(hashSeed, b)] = struct{}{}
		c.Distinct = len(c.seen)
	}
}

// addText profiles one string value.
func (c *Column) addText(v string) {
	s := strings.TrimSpace(v)
	if s == "" {
		c.Empty++
		return
	}
	c.addDistinct([]byte(s))
	c.Length += utf8.RuneCountInString(s)
	for _, k := range pii.Detect(s) {
		c.Found[k]++
	}
	if nameLike(s) {
		c.Names++
	}
	if streetRE.MatchString(s) {
		c.Streets++
	}
	if freeText(s) {
		c.FreeText++
	}
	switch {
	case integerRE.MatchString(s):
		c.ints++
		c.addPostal(s)
	case decimalRE.MatchString(stripBlanks(s)):
		c.decimals++
	case isDate(s):
		c.dates++
	case s == "true" || s == "false" || s == "TRUE" || s == "FALSE":
		c.bools++
	}
}

func (c *Column) addPostal(s string) {
	if len(s) >= 3 && len(s) <= 5 && integerRE.MatchString(s) && s[0] != '-' && s[0] != '+' {
		c.Postal++
		if s[0] == '0' {
			c.Zeros++
		}
	}
}

var (
	integerRE = regexp.MustCompile(`^[+-]?[0-9]{1,18}$`)
	decimalRE = regexp.MustCompile(`^[+-]?[0-9]+([.,][0-9]+)?$`)
	// A street address: one to three words (letters, '.', '-'), a house number, optionally a
	// staircase letter and a flat number: "Kirkkotie 5", "Mannerheimintie 5 A 7",
	// "Gamla Kyrkvägen 1 b 12".
	streetRE = regexp.MustCompile(`^\p{L}[\p{L}.\-]*( \p{L}[\p{L}.\-]*){0,2} [0-9]{1,4}( ?[A-Za-z])?( [0-9]{1,4})?$`)
)

// stripBlanks drops the blanks a decimal may hold between digit groups ("1 234,50").
func stripBlanks(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
}

func isDate(s string) bool {
	_, err := anonymize.ParseDate([]byte(s))
	return err == nil
}

// freeText tells whether a value reads like prose rather than a category.
func freeText(s string) bool {
	return strings.ContainsAny(s, ":;\"!?()") || len(strings.Fields(s)) >= 4 || utf8.RuneCountInString(s) > 40
}

// looksPersonal tells whether a column name looks like a value of personal data.
func looksPersonal(name string) bool {
	return len(pii.Detect(name)) > 0 || nameLike(strings.TrimSpace(name))
}
