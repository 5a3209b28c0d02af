package anonymize

import (
	"errors"
	"strconv"
	"sync"
)

// ErrDate reports a date that cannot be read or does not exist. It never carries the value.
var ErrDate = errors.New("invalid date")

// Date is a calendar date in the proleptic Gregorian calendar. Values made by this package
// (ParseDate, ParseHETU, DateFromDays) always exist; the zero Date is not a valid date.
type Date struct{ Year, Month, Day int }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// String renders d as yyyy-mm-dd.
func (d Date) String() string {
	return string(appendISODate(make([]byte, 0, 10), d))
}

// Generalization levels of Date.Generalize (SPEC `generalize: {date: …}`).
const (
	LevelYear    = "year"
	LevelQuarter = "quarter"
	LevelMonth   = "month"
)

// Generalize renders d at a level: "year" → "2024", "quarter" → "2024-Q1", "month" →
// "2024-03"; years have at least four digits. Any other level renders the whole date
// (yyyy-mm-dd). For years 1800–2199 the year, quarter and month labels come from a shared
// table and do not allocate.
func (d Date) Generalize(level string) string {
	switch level {
	case LevelYear, LevelQuarter, LevelMonth:
	default:
		return d.String()
	}
	if d.Year >= labelFirstYear && d.Year < labelFirstYear+labelYears && d.Month >= 1 && d.Month <= 12 {
		t := dateLabels()
		y := d.Year - labelFirstYear
		switch level {
		case LevelYear:
			i := (y*12 + d.Month - 1) * 7
			return t.months[i : i+4]
		case LevelQuarter:
			i := (y*4 + (d.Month-1)/3) * 7
			return t.quarters[i : i+7]
		default:
			i := (y*12 + d.Month - 1) * 7
			return t.months[i : i+7]
		}
	}
	b := appendYear(make([]byte, 0, 12), d.Year)
	switch level {
	case LevelQuarter:
		b = append(b, '-', 'Q', byte('0'+(d.Month+2)/3))
	case LevelMonth:
		b = append(b, '-')
		b = append2(b, d.Month)
	}
	return string(b)
}

// The label table covers labelYears years from labelFirstYear.
const (
	labelFirstYear = 1800
	labelYears     = 400
)

// dateLabelTable holds every "yyyy-mm" (months) and "yyyy-Qn" (quarters) label of the
// covered years, 7 bytes each, so that labels are substrings and cost no allocation.
type dateLabelTable struct{ months, quarters string }

var dateLabels = sync.OnceValue(func() dateLabelTable {
	m := make([]byte, 0, labelYears*12*7)
	q := make([]byte, 0, labelYears*4*7)
	for y := labelFirstYear; y < labelFirstYear+labelYears; y++ {
		for mo := 1; mo <= 12; mo++ {
			m = appendYear(m, y)
			m = append(m, '-')
			m = append2(m, mo)
		}
		for qu := 1; qu <= 4; qu++ {
			q = appendYear(q, y)
			q = append(q, '-', 'Q', byte('0'+qu))
		}
	}
	return dateLabelTable{months: string(m), quarters: string(q)}
})

// appendYear appends y with at least four digits.
func appendYear(b []byte, y int) []byte {
	if y >= 0 && y < 10000 {
		return append(b, '0'+byte(y/1000), '0'+byte(y/100%10), '0'+byte(y/10%10), '0'+byte(y%10))
	}
	return strconv.AppendInt(b, int64(y), 10)
}

// append2 appends 0 ≤ v < 100 as two digits.
func append2(b []byte, v int) []byte {
	return append(b, '0'+byte(v/10%10), '0'+byte(v%10))
}

func appendISODate(b []byte, d Date) []byte {
	b = appendYear(b, d.Year)
	b = append(b, '-')
	b = append2(b, d.Month)
	b = append(b, '-')
	return append2(b, d.Day)
}

// DateFromDays converts days since 1970-01-01 (Arrow date32, Parquet DATE) to a Date.
func DateFromDays(days int32) Date {
	y, m, d := civilFromDays(int64(days))
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate reads a date written yyyy-mm-dd, d.m.yyyy or dd.mm.yyyy (day and month of one
// or two digits, the year of exactly four), with surrounding blanks (ASCII space, tab, NBSP)
// allowed. An ISO date may be followed by a time as typed sources stringify timestamps —
// "yyyy-mm-ddThh:mm[:ss[.fff]]" or with a space instead of T, then optionally Z, a numeric
// offset (+02, +0200, +02:00) and a zone abbreviation ("+0000 UTC") — and its date part is
// taken as written (no zone conversion). Year 0000, an unreadable value or a date that does
// not exist (31.2.2024, 2023-02-29) returns ErrDate, which never carries the value. It does
// not allocate.
func ParseDate(b []byte) (Date, error) {
	b = trimIDBlanks(b)
	if len(b) >= 10 && b[4] == '-' && b[7] == '-' {
		y, ok1 := digits(b[0:4])
		m, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) || y == 0 {
			return Date{}, ErrDate
		}
		if len(b) > 10 && !timeSuffix(b[10:]) {
			return Date{}, ErrDate
		}
		return Date{Year: y, Month: m, Day: d}, nil
	}
	// d.m.yyyy
	i := 0
	for i < len(b) && i < 3 && b[i] != '.' {
		i++
	}
	if i < 1 || i > 2 || i >= len(b) || b[i] != '.' {
		return Date{}, ErrDate
	}
	d, ok1 := digits(b[:i])
	rest := b[i+1:]
	j := 0
	for j < len(rest) && j < 3 && rest[j] != '.' {
		j++
	}
	if j < 1 || j > 2 || j >= len(rest) || rest[j] != '.' || len(rest) != j+5 {
		return Date{}, ErrDate
	}
	m, ok2 := digits(rest[:j])
	y, ok3 := digits(rest[j+1:])
	if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) || y == 0 {
		return Date{}, ErrDate
	}
	return Date{Year: y, Month: m, Day: d}, nil
}

// timeSuffix reports whether s (what follows yyyy-mm-dd) is a time as described at
// ParseDate: [T ]hh:mm[:ss[.fff]][ ][Z|±hh[[:]mm]][ ABBR].
func timeSuffix(s []byte) bool {
	if s[0] != 'T' && s[0] != 't' && s[0] != ' ' {
		return false
	}
	s = s[1:]
	if len(s) < 5 || s[2] != ':' {
		return false
	}
	if h, ok := digits(s[0:2]); !ok || h > 23 {
		return false
	}
	if mi, ok := digits(s[3:5]); !ok || mi > 59 {
		return false
	}
	s = s[5:]
	if len(s) >= 3 && s[0] == ':' {
		if sec, ok := digits(s[1:3]); !ok || sec > 60 {
			return false
		}
		s = s[3:]
		if len(s) >= 2 && (s[0] == '.' || s[0] == ',') && isDigit(s[1]) {
			s = s[1:]
			for len(s) > 0 && isDigit(s[0]) {
				s = s[1:]
			}
		}
	}
	if len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	switch {
	case len(s) == 0:
		return true
	case s[0] == 'Z' || s[0] == 'z':
		s = s[1:]
	case s[0] == '+' || s[0] == '-':
		s = s[1:]
		if len(s) < 2 {
			return false
		}
		if h, ok := digits(s[:2]); !ok || h > 23 {
			return false
		}
		s = s[2:]
		if len(s) > 0 && s[0] == ':' {
			s = s[1:]
			if len(s) < 2 {
				return false
			}
		}
		if len(s) >= 2 && isDigit(s[0]) {
			if mi, ok := digits(s[:2]); !ok || mi > 59 {
				return false
			}
			s = s[2:]
		}
	}
	if len(s) == 0 {
		return true
	}
	// A zone abbreviation: one blank, then 1–5 ASCII capital letters.
	if s[0] == ' ' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits reads b (non-empty, at most 9 bytes) as a decimal number of ASCII digits only.
func digits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days of month m (1..12) in year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// daysFromCivil returns the days since 1970-01-01 of y-m-d (proleptic Gregorian; after
// Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := yy - era*400
	mp := int64(m) + 9
	if m > 2 {
		mp = int64(m) - 3
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}
