package jsonlsource

// maxPlainDigits bounds the plain form of a JSON number: a number whose plain form would
// hold more digits than this, and more than its literal has characters, keeps its literal
// text, so that a short literal such as 1e999999999 cannot make the reader allocate a huge
// string. The bound is far beyond any float64 or decimal a register holds.
const maxPlainDigits = 400

// expSaturate caps the magnitude of a parsed exponent; any larger exponent already fails the
// bound, and the cap keeps the arithmetic far from int64 overflow.
const expSaturate = 1 << 40

// canonicalNumber appends to dst the canonical plain decimal text of the JSON number literal
// lit and reports true: no exponent, no trailing zeros after the point nor a trailing point,
// a single 0 before the point when the value is below one, no sign on zero ("-0.0e5" → "0"),
// '-' kept on a negative non-zero. It works on the decimal digits alone, so every digit of
// the literal is kept ("12345678901234567890", "0.1000000000000000000001" are exact).
//
// When the plain form would hold more than max(maxPlainDigits, len(lit)) digits, it appends
// lit unchanged and reports false.
//
// lit must match the JSON number grammar (as checked by number); anything else gives an
// unspecified result but never a panic.
func canonicalNumber(dst, lit []byte) ([]byte, bool) {
	if plainAlready(lit) {
		return append(dst, lit...), true
	}
	b := lit
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	intPart := b[:i]
	var frac []byte
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		frac = b[i+1 : j]
		i = j
	}
	var exp int64
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		expNeg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			expNeg = b[i] == '-'
			i++
		}
		for ; i < len(b) && isDigit(b[i]); i++ {
			if exp < expSaturate {
				exp = exp*10 + int64(b[i]-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(b) {
		return append(dst, lit...), false // not a JSON number: never happens after number
	}

	// The digits are intPart followed by frac; at(k) is the k-th of them.
	n := len(intPart) + len(frac)
	at := func(k int) byte {
		if k < len(intPart) {
			return intPart[k]
		}
		return frac[k-len(intPart)]
	}
	lead := 0
	for lead < n && at(lead) == '0' {
		lead++
	}
	if lead == n {
		return append(dst, '0'), true
	}
	end := n
	for at(end-1) == '0' {
		end--
	}
	sig := end - lead // significant digits at(lead) … at(end-1), first and last non-zero
	// point is how many significant digits stand before the decimal point (≤ 0: the value is
	// below one, with -point zeros after "0."; ≥ sig: an integer with point-sig zeros after).
	point := int64(len(intPart)) - int64(lead) + exp
	var digits int64
	switch {
	case point <= 0:
		digits = 1 - point + int64(sig)
	case point >= int64(sig):
		digits = point
	default:
		digits = int64(sig)
	}
	if digits > int64(max(maxPlainDigits, len(lit))) {
		return append(dst, lit...), false
	}
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for range -point {
			dst = append(dst, '0')
		}
		for k := lead; k < end; k++ {
			dst = append(dst, at(k))
		}
	case point >= int64(sig):
		for k := lead; k < end; k++ {
			dst = append(dst, at(k))
		}
		for range point - int64(sig) {
			dst = append(dst, '0')
		}
	default:
		p := lead + int(point)
		for k := lead; k < p; k++ {
			dst = append(dst, at(k))
		}
		dst = append(dst, '.')
		for k := p; k < end; k++ {
			dst = append(dst, at(k))
		}
	}
	return dst, true
}

// plainAlready reports whether the JSON number literal lit is already canonical: an integer
// (JSON forbids leading zeros) other than -0. It is the fast path for the common case.
func plainAlready(lit []byte) bool {
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return len(lit) > 0 && string(lit) != "-0"
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
