package anonymize

import "errors"

// ErrPersonID reports a person id that is empty or, for `format: hetu`, not a valid Finnish
// personal identity code. It never carries the id.
var ErrPersonID = errors.New("invalid person id")

// Sex is the sex a HETU tells, or SexUnknown.
type Sex uint8

// The values of Sex.
const (
	SexUnknown Sex = iota // not derivable (born 2027 or later), or no HETU
	SexFemale             // even individual number
	SexMale               // odd individual number
)

// String returns the label SPEC gives the derived `sex` column: "female", "male" or
// "unknown" (also for any value outside the constants).
func (s Sex) String() string {
	switch s {
	case SexFemale:
		return "female"
	case SexMale:
		return "male"
	}
	return "unknown"
}

// Person is what a valid HETU tells: a compact in-memory key and the derived facts.
type Person struct {
	// Key is unique per full 11-character code (upper-cased, blanks trimmed): the century
	// sign is part of the identity, so 010594Y9021 and 010594-9021 are two persons. It packs
	// days since 1800-01-01 (bits 14 and up), the century sign's index 0..12 (bits 10–13) and
	// the individual number 2..999 (bits 0–9); it is never 0.
	Key   uint64
	Birth Date
	Sex   Sex
}

// hetuCheckAlphabet maps DDMMYYNNN mod 31 to the check character.
const hetuCheckAlphabet = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// hetuCheckValue maps an upper-case check character to its value 0..30, or 0xFF.
var hetuCheckValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(hetuCheckAlphabet); i++ {
		t[hetuCheckAlphabet[i]] = byte(i)
	}
	return t
}()

// hetuSign maps a century sign (either case) to its index+1 (0: not a sign); the index
// orders the signs + - Y X W V U A B C D E F.
var hetuSign = func() (t [256]byte) {
	const signs = "+-YXWVUABCDEF"
	for i := 0; i < len(signs); i++ {
		t[signs[i]] = byte(i + 1)
		if c := signs[i]; c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = byte(i + 1)
		}
	}
	return t
}()

// hetuCentury is the century of each sign index.
var hetuCentury = [13]int{1800, 1900, 1900, 1900, 1900, 1900, 1900, 2000, 2000, 2000, 2000, 2000, 2000}

// days1800 is daysFromCivil(1800, 1, 1).
var days1800 = daysFromCivil(1800, 1, 1)

// sexReformYear is the first birth year whose individual number no longer tells the sex
// (SPEC: the planned reform makes it random).
const sexReformYear = 2027

// ParseHETU validates a Finnish personal identity code as SPEC "Values" describes it and
// returns the person it identifies. Accepted: surrounding blanks (ASCII space, tab, NBSP
// U+00A0 in UTF-8) and lower case letters; then exactly DDMMYY, a century sign (+ 1800s;
// - Y X W V U 1900s; A B C D E F 2000s), an individual number 002–999 and the check character
// (DDMMYYNNN mod 31 in "0123456789ABCDEFHJKLMNPRSTUVWXY"). The birth date must exist
// (leap years included). Sex is the parity of the individual number (odd male, even female),
// SexUnknown for persons born in 2027 or later. Anything else returns ErrPersonID, which
// never carries the input. It does not allocate.
func ParseHETU(b []byte) (Person, error) {
	b = trimIDBlanks(b)
	if len(b) != 11 {
		return Person{}, ErrPersonID
	}
	// Nine digits: DDMMYY at 0..5 and NNN at 7..9.
	var n uint32
	for i := 0; i < 10; i++ {
		if i == 6 {
			continue
		}
		c := b[i] - '0'
		if c > 9 {
			return Person{}, ErrPersonID
		}
		n = n*10 + uint32(c)
	}
	sign := int(hetuSign[b[6]]) - 1
	if sign < 0 {
		return Person{}, ErrPersonID
	}
	check := b[10]
	if check >= 'a' && check <= 'z' {
		check -= 'a' - 'A'
	}
	if v := hetuCheckValue[check]; v == 0xFF || uint32(v) != n%31 {
		return Person{}, ErrPersonID
	}
	num := n % 1000
	if num < 2 {
		return Person{}, ErrPersonID
	}
	dmy := n / 1000
	day, month, yy := int(dmy/10000), int(dmy/100%100), int(dmy%100)
	year := hetuCentury[sign] + yy
	if !validDate(year, month, day) {
		return Person{}, ErrPersonID
	}
	p := Person{
		Key:   uint64(daysFromCivil(year, month, day)-days1800)<<14 | uint64(sign)<<10 | uint64(num),
		Birth: Date{Year: year, Month: month, Day: day},
	}
	switch {
	case year >= sexReformYear:
		p.Sex = SexUnknown
	case num%2 == 1:
		p.Sex = SexMale
	default:
		p.Sex = SexFemale
	}
	return p, nil
}
