package anonymize

import (
	"bytes"
	"math"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Missing is the dimension value of an empty (or all-blank) source value.
const Missing = "(missing)"

// NormalizeDimension returns b as a dimension value per SPEC "Dimensions": surrounding
// Unicode white space (unicode.IsSpace: incl. NBSP U+00A0 and U+202F) trimmed, in Unicode
// NFC, and Missing when nothing is left. b must be valid UTF-8 (connectors decode first);
// invalid bytes are kept as they are. It allocates only the returned string (nothing for
// Missing); use AppendDimension to look values up without allocating.
func NormalizeDimension(b []byte) string {
	b = trimDimension(b)
	if len(b) == 0 {
		return Missing
	}
	if isASCII(b) || norm.NFC.QuickSpan(b) == len(b) {
		return string(b)
	}
	return string(AppendDimension(make([]byte, 0, len(b)+8), b))
}

// AppendDimension appends NormalizeDimension(b) to dst and returns the extended slice. It
// does not allocate when dst has room (b's length plus a few bytes is ample), so a caller can
// intern values with m[string(AppendDimension(buf[:0], b))] at no cost for known values.
func AppendDimension(dst, b []byte) []byte {
	b = trimDimension(b)
	if len(b) == 0 {
		return append(dst, Missing...)
	}
	if isASCII(b) {
		return append(dst, b...)
	}
	// QuickSpan (unlike IsNormal) does not allocate; up to n, b is NFC and n is a boundary.
	n := norm.NFC.QuickSpan(b)
	dst = append(dst, b[:n]...)
	if n == len(b) {
		return dst
	}
	// A pooled norm.Iter works in its own fixed buffers; norm.NFC.Append would allocate.
	it := nfcIters.Get().(*norm.Iter)
	it.Init(norm.NFC, b[n:])
	for !it.Done() {
		dst = append(dst, it.Next()...)
	}
	it.Init(norm.NFC, nil) // drop the reference to b
	nfcIters.Put(it)
	return dst
}

var nfcIters = sync.Pool{New: func() any { return new(norm.Iter) }}

// trimDimension removes surrounding Unicode white space, with a fast path for ASCII ends.
func trimDimension(b []byte) []byte {
	for len(b) > 0 && b[0] < utf8.RuneSelf {
		if !asciiSpace(b[0]) {
			break
		}
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] < utf8.RuneSelf {
		if !asciiSpace(b[len(b)-1]) {
			break
		}
		b = b[:len(b)-1]
	}
	if len(b) > 0 && (b[0] >= utf8.RuneSelf || b[len(b)-1] >= utf8.RuneSelf) {
		b = bytes.TrimFunc(b, unicode.IsSpace)
	}
	return b
}

// asciiSpace is unicode.IsSpace for ASCII bytes.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// PadDigits left-pads s with '0' to width when s is non-empty, consists only of ASCII digits
// and is shorter than width (SPEC `width:`, e.g. postal code 100 → "00100"); any other s is
// returned unchanged. It allocates only when it pads.
func PadDigits(s string, width int) string {
	if len(s) == 0 || len(s) >= width {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s
		}
	}
	b := make([]byte, width)
	n := width - len(s)
	for i := 0; i < n; i++ {
		b[i] = '0'
	}
	copy(b[n:], s)
	return string(b)
}

// Truncate keeps the first n runes of s (SPEC `generalize: {truncate: n}`); s is returned
// unchanged when it has at most n runes, when n ≤ 0 (no truncation configured) and when s is
// Missing, which is never truncated. It does not allocate.
func Truncate(s string, n int) string {
	if n <= 0 || len(s) <= n || s == Missing {
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// FormatNumber renders a typed number as a dimension value: the shortest decimal that reads
// back as f, without exponent or trailing zeros (3.50 → "3.5", 1e21 →
// "1000000000000000000000", 0.000001 → "0.000001"); -0 → "0", ±Inf → "Inf" / "-Inf", and NaN
// (no number at all) → Missing.
func FormatNumber(f float64) string {
	return formatNumber(f, 64)
}

// FormatNumber32 is FormatNumber for a float32 source value: it renders the shortest decimal
// that reads back as the float32 (float32(0.1) → "0.1", where FormatNumber(float64(x)) would
// give "0.10000000149011612").
func FormatNumber32(f float32) string {
	return formatNumber(float64(f), 32)
}

func formatNumber(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return Missing
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}
