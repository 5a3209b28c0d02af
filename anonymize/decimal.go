package anonymize

import (
	"errors"
	"math"
	"strconv"
)

// ErrNumber reports a non-empty value that is not a decimal number in the source's decimal
// style. It never carries the value.
var ErrNumber = errors.New("not a number")

// numberBlank returns the length of the blank that starts b — ASCII space or tab (1), NBSP
// U+00A0 (2), or U+2007 figure space, U+2009 thin space or U+202F narrow NBSP (3), all used
// as digit-group separators — or 0 when b does not start with one.
func numberBlank(b []byte) int {
	switch b[0] {
	case ' ', '\t':
		return 1
	case 0xC2:
		if len(b) >= 2 && b[1] == 0xA0 {
			return 2
		}
	case 0xE2:
		if len(b) >= 3 && b[1] == 0x80 && (b[2] == 0x87 || b[2] == 0x89 || b[2] == 0xAF) {
			return 3
		}
	}
	return 0
}

// DetectDecimal returns the decimal separator b decides for `decimal: auto`: ',' or '.'
// when b is a number made of ASCII digits, an optional leading sign, blanks (as ParseDecimal
// ignores them) and exactly one separator, or 0 when b decides nothing (whole numbers,
// empty values, anything that is not such a number, including "1.234,5"). SPEC: auto "is
// decided by the first value holding a separator". It does not allocate.
func DetectDecimal(b []byte) byte {
	var sep byte
	sawDigit, sawSign := false, false
	for i := 0; i < len(b); {
		if n := numberBlank(b[i:]); n > 0 {
			i += n
			continue
		}
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			sawDigit = true
		case c == '.' || c == ',':
			if sep != 0 {
				return 0
			}
			sep = c
		case c == '+' || c == '-':
			if sawSign || sawDigit || sep != 0 {
				return 0
			}
			sawSign = true
		default:
			return 0
		}
		i++
	}
	if !sawDigit {
		return 0
	}
	return sep
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ParseDecimal parses a decimal number whose decimal separator is sep ('.' or ','; any
// other sep admits whole numbers only). Blanks are ignored anywhere inside: ASCII space,
// tab and the non-breaking and digit-group spaces U+00A0, U+202F, U+2007 and U+2009 in
// UTF-8 ("1 234,50"). One leading '+' or '-' is allowed, and the separator may open or
// close the digits (",5", "5,"). A value that is empty after removing blanks is missing:
// ok=false and err=nil. Anything else — letters, a second separator, the other separator,
// an exponent ("1e5"), "NaN", "Inf", a sign alone, a number too large for float64 — returns
// ErrNumber, which never carries the value. The result is the float64 nearest the decimal
// value (as strconv.ParseFloat rounds), and exact for whole numbers up to 2⁵³; -0 reads as 0.
// It does not allocate unless the number has more than 19 significant digits or a decimal
// exponent beyond ±22.
func ParseDecimal(b []byte, sep byte) (v float64, ok bool, err error) {
	if sep != '.' && sep != ',' {
		sep = 0
	}
	var (
		mant     uint64 // the significant digits read so far, trailing zeros deferred
		nd       int    // digits in mant
		zeros    int    // zeros read after mant's last non-zero digit
		frac     int    // digits after the separator
		neg      bool
		sawSign  bool
		sawSep   bool
		sawDigit bool
		slow     bool // mant cannot hold the digits: use strconv
	)
	for i := 0; i < len(b); {
		if n := numberBlank(b[i:]); n > 0 {
			i += n
			continue
		}
		c := b[i]
		i++
		switch {
		case c >= '0' && c <= '9':
			sawDigit = true
			if sawSep {
				frac++
			}
			switch {
			case slow:
			case c == '0':
				if mant != 0 {
					zeros++
				}
			case mant == 0:
				mant, nd = uint64(c-'0'), 1
			case nd+zeros+1 > 19:
				slow = true
			default:
				for ; zeros > 0; zeros-- {
					mant *= 10
					nd++
				}
				mant = mant*10 + uint64(c-'0')
				nd++
			}
		case c == sep && sep != 0:
			if sawSep {
				return 0, false, ErrNumber
			}
			sawSep = true
		case c == '+' || c == '-':
			if sawSign || sawDigit || sawSep {
				return 0, false, ErrNumber
			}
			sawSign, neg = true, c == '-'
		default:
			return 0, false, ErrNumber
		}
	}
	if !sawDigit {
		if sawSign || sawSep {
			return 0, false, ErrNumber
		}
		return 0, false, nil
	}
	if mant == 0 {
		return 0, true, nil
	}
	exp := zeros - frac
	if !slow && mant <= 1<<53 && exp >= -22 && exp <= 22 {
		// Both operands are exact, so the one rounding of * or / is correct (Clinger).
		f := float64(mant)
		if exp >= 0 {
			f *= pow10[exp]
		} else {
			f /= pow10[-exp]
		}
		if neg {
			f = -f
		}
		return f, true, nil
	}
	return parseDecimalSlow(b, sep)
}

// parseDecimalSlow handles what ParseDecimal's fast path cannot: it copies the already
// validated number's sign, digits and separator (as '.') into a buffer for strconv. A
// strconv error quotes its input, so it is never returned.
func parseDecimalSlow(b []byte, sep byte) (float64, bool, error) {
	var arr [64]byte
	buf := arr[:0]
	for i := 0; i < len(b); {
		if n := numberBlank(b[i:]); n > 0 {
			i += n
			continue
		}
		c := b[i]
		if c == sep {
			c = '.'
		}
		buf = append(buf, c)
		i++
	}
	f, err := strconv.ParseFloat(string(buf), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false, ErrNumber
	}
	if f == 0 {
		f = 0
	}
	return f, true, nil
}

// plainNumber reports whether b is exactly the plain form connectors give a typed number:
// an optional '-', digits, and optionally '.' and digits (no blanks, no exponent).
func plainNumber(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	digits := func() int {
		n := 0
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			n++
		}
		b = b[n:]
		return n
	}
	if digits() == 0 {
		return false
	}
	if len(b) == 0 {
		return true
	}
	if b[0] != '.' {
		return false
	}
	b = b[1:]
	return digits() > 0 && len(b) == 0
}
