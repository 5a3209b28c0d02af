package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind names a kind of personal data. Its string is what `scan` prints.
type Kind string

// The kinds Detect reports, listed most specific first (the order Detect returns them in).
const (
	HETU         Kind = "hetu"         // Finnish personal identity code
	Personnummer Kind = "personnummer" // Swedish personnummer or samordningsnummer
	IBAN         Kind = "iban"         // international bank account number
	Email        Kind = "email"        // e-mail address
	Phone        Kind = "phone"        // Finnish or Swedish phone number
)

// Kinds lists every Kind, most specific first.
var Kinds = []Kind{HETU, Personnummer, IBAN, Email, Phone}

// Detect returns the kinds of personal data found in s (one cell value), most specific first
// and each at most once; nil when it finds none. It never retains or returns any part of s.
//
// A finding starts and ends at a boundary: the start or end of s, or a character that is
// neither a letter nor a digit. The rules, chosen so that statistics never match:
//
//   - hetu: DDMMYY, a century sign (+ - Y X W V U A B C D E F, letters in either case), an
//     individual number 002–999 and the right mod-31 check character, on a real date.
//   - personnummer: YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDD-NNNN or YYYYMMDDNNNN with a valid Luhn
//     check digit and a real date (day + 60 for a samordningsnummer); a four-digit year lies
//     in 1870–2099. The ten-digit form YYMMDDNNNN is not detected: about one in 140 random
//     ten-digit counts would pass its checks. A HETU-shaped string with the sign - or +, a
//     digit check character and a wrong HETU check can still be a valid short-form
//     personnummer and is then reported as one (measured: 0.6 % of random wrong-check HETUs).
//   - iban: a known country code (FI, SE, the other SEPA countries and a few more), two check
//     digits and a BBAN of exactly that country's length, blanks allowed between characters,
//     letters in either case, mod-97 valid.
//   - email: local@domain.tld; the local part and the domain may hold letters such as ä and
//     ö; the top-level domain is at least two letters.
//   - phone: +358 / 00358 and +46 / 0046 numbers (blanks, dashes or "(0)" allowed) with a
//     national number of plausible length; and Finnish and Swedish national numbers that
//     start with a single 0: with blanks or dashes between digit groups ("040-1234567",
//     "09 123 4567", "(09) 1234 567", "070-123 45 67"), where the first group is exactly the
//     mobile prefix (04x, 04xx, 050, 050x, 070, 072, 073, 076, 079) or Finnish area code
//     (02, 03, 05, 06, 08, 09, 013–019), later groups hold two or more digits, one of them
//     three or more, and the groups do not read as a date; or written without separators,
//     only a ten-digit Finnish or Swedish mobile number ("0401234567"). Plain integers
//     without a leading 0 or a + prefix are never phones, nor are numbers starting with 00
//     other than 00358 and 0046 (postal codes such as 00100), nor digits that are part of a
//     decimal number ("0,0401234567") or that continue a number written in digit groups
//     ("6 049 220 847", so "2 040 123 4567" is missed too). Swedish landlines are found only
//     in the +46 form.
func Detect(s string) []Kind {
	var found [5]bool // indexed like Kinds
	if strings.IndexByte(s, '@') >= 0 {
		found[3] = hasEmail(s)
	}
	if countDigits(s) >= 7 {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(isDigit(c) || isLetterASCII(c) || c == '+' || c == '(') || !startOK(s, i) {
				continue
			}
			switch {
			case isDigit(c):
				if !found[0] && hetuAt(s, i) {
					found[0] = true
				}
				if !found[1] && pnrAt(s, i) {
					found[1] = true
				}
				if !found[4] && c == '0' && phoneAt(s, i) {
					found[4] = true
				}
			case isLetterASCII(c):
				if !found[2] && ibanAt(s, i) {
					found[2] = true
				}
			default: // '+' or '('
				if !found[4] && phoneAt(s, i) {
					found[4] = true
				}
			}
		}
	}
	var kinds []Kind
	for k, f := range found {
		if f {
			kinds = append(kinds, Kinds[k])
		}
	}
	return kinds
}

// LooksPersonal reports whether a column name itself looks like personal data, as the first
// record of a headerless extract would: it holds something Detect finds. Such a name must be
// cited by position, never printed.
func LooksPersonal(name string) bool {
	return Detect(name) != nil
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isLetterASCII(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 0x20
	}
	return c
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

func isAlnumRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// startOK reports whether a finding may start at byte i: nothing alphanumeric before it.
func startOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	if s[i-1] < utf8.RuneSelf {
		return !isDigit(s[i-1]) && !isLetterASCII(s[i-1])
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isAlnumRune(r)
}

// endOK reports whether a finding may end before byte j: nothing alphanumeric after it.
func endOK(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	if s[j] < utf8.RuneSelf {
		return !isDigit(s[j]) && !isLetterASCII(s[j])
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !isAlnumRune(r)
}

// inDecimal reports whether the digit run s[i:j] is part of a decimal number: it follows or
// precedes a decimal point or comma that touches another digit ("0.0401234567").
func inDecimal(s string, i, j int) bool {
	before := i >= 2 && (s[i-1] == '.' || s[i-1] == ',') && isDigit(s[i-2])
	after := j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1])
	return before || after
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// atoi reads a short string of ASCII digits (checked by the caller).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// validDate reports whether y-m-d is a calendar date.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && leap(y) {
		days = 29
	}
	return d <= days
}

const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// hetuCentury maps a century sign (upper case) to the first year of its century.
func hetuCentury(c byte) int {
	switch c {
	case '+':
		return 1800
	case '-', 'Y', 'X', 'W', 'V', 'U':
		return 1900
	case 'A', 'B', 'C', 'D', 'E', 'F':
		return 2000
	}
	return 0
}

func hetuAt(s string, i int) bool {
	if i+11 > len(s) || !allDigits(s[i:i+6]) || !allDigits(s[i+7:i+10]) || !endOK(s, i+11) {
		return false
	}
	century := hetuCentury(upper(s[i+6]))
	if century == 0 {
		return false
	}
	if !validDate(century+atoi(s[i+4:i+6]), atoi(s[i+2:i+4]), atoi(s[i:i+2])) {
		return false
	}
	individual := atoi(s[i+7 : i+10])
	if individual < 2 {
		return false
	}
	n := atoi(s[i:i+6])*1000 + individual
	return hetuCheckChars[n%31] == upper(s[i+10])
}

// luhn reports whether the digits pass the Luhn check, weights 2,1,2,1,… from the first.
func luhn(d string) bool {
	sum := 0
	for k := 0; k < len(d); k++ {
		v := int(d[k] - '0')
		if k%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// pnrDate checks a personnummer date; a day above 60 is a samordningsnummer's. year < 0 means
// the century is unknown (YYMMDD forms), so 29 February needs only a year divisible by four.
func pnrDate(year, yy, m, d int) bool {
	if d > 60 {
		d -= 60
	}
	if year < 0 {
		year = 2000 + yy // 2000 is a leap year, so any yy%4 == 0 allows 29 February
	}
	return validDate(year, m, d)
}

func pnrAt(s string, i int) bool {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	switch j - i {
	case 6: // YYMMDD-NNNN or YYMMDD+NNNN
		if j+5 > len(s) || (s[j] != '-' && s[j] != '+') || !allDigits(s[j+1:j+5]) || !endOK(s, j+5) {
			return false
		}
		return pnrDate(-1, atoi(s[i:i+2]), atoi(s[i+2:i+4]), atoi(s[i+4:i+6])) &&
			luhn(s[i:i+6]+s[j+1:j+5])
	case 8: // YYYYMMDD-NNNN
		if j+5 > len(s) || s[j] != '-' || !allDigits(s[j+1:j+5]) || !endOK(s, j+5) {
			return false
		}
		return pnrFull(s[i:i+8] + s[j+1:j+5])
	case 12: // YYYYMMDDNNNN, a bare number: not when it is part of a decimal
		if !endOK(s, j) || inDecimal(s, i, j) {
			return false
		}
		return pnrFull(s[i:j])
	}
	return false
}

// pnrFull checks the twelve digits YYYYMMDDNNNN.
func pnrFull(d string) bool {
	year := atoi(d[0:4])
	if year < 1870 || year > 2099 {
		return false
	}
	return pnrDate(year, 0, atoi(d[4:6]), atoi(d[6:8])) && luhn(d[2:12])
}

// ibanLengths is the full IBAN length per country code (SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AX": 18, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
	"CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18,
	"FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
	"IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
	"ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22,
	"SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22, "XK": 20,
}

// sepLen returns the byte length of a blank or dash separator at s[p], or 0.
func sepLen(s string, p int, dash bool) int {
	if p >= len(s) {
		return 0
	}
	switch {
	case s[p] == ' ' || (dash && s[p] == '-'):
		return 1
	case strings.HasPrefix(s[p:], "\u00a0"):
		return 2
	case strings.HasPrefix(s[p:], "\u202f"):
		return 3
	}
	return 0
}

func ibanAt(s string, i int) bool {
	if i+4 > len(s) || !isLetterASCII(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return false
	}
	want, ok := ibanLengths[string([]byte{upper(s[i]), upper(s[i+1])})]
	if !ok {
		return false
	}
	var buf [34]byte
	n, p := 0, i
	for p < len(s) && n < want {
		c := s[p]
		if isDigit(c) || isLetterASCII(c) {
			buf[n] = upper(c)
			n++
			p++
			continue
		}
		// A single blank may separate characters after the first group.
		if l := sepLen(s, p, false); n >= 4 && l > 0 && p+l < len(s) && (isDigit(s[p+l]) || isLetterASCII(s[p+l])) {
			p += l
			continue
		}
		break
	}
	if n != want || !endOK(s, p) {
		return false
	}
	check := atoi(string(buf[2:4]))
	if check < 2 || check > 98 {
		return false
	}
	r := 0
	for k := 0; k < n; k++ {
		c := buf[(k+4)%n] // the first four characters move to the end
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	return r == 1
}

func hasEmail(s string) bool {
	for at := strings.IndexByte(s, '@'); at >= 0; {
		if emailAt(s, at) {
			return true
		}
		next := strings.IndexByte(s[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	return false
}

func isLocalRune(r rune) bool {
	return isAlnumRune(r) || strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", r)
}

func isDomainRune(r rune) bool { return isAlnumRune(r) || r == '-' || r == '.' }

func emailAt(s string, at int) bool {
	l := at
	for l > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:l])
		if !isLocalRune(r) {
			break
		}
		l -= size
	}
	local := strings.TrimLeft(s[l:at], ".")
	if local == "" || strings.HasSuffix(local, ".") {
		return false
	}
	r := at + 1
	for r < len(s) {
		rr, size := utf8.DecodeRuneInString(s[r:])
		if !isDomainRune(rr) {
			break
		}
		r += size
	}
	labels := strings.Split(strings.TrimRight(s[at+1:r], ".-"), ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// group is one run of digits in a phone number candidate; end is the byte after it.
type group struct {
	digits string
	end    int
}

func phoneAt(s string, i int) bool {
	if continuesNumber(s, i) {
		return false
	}
	p := i
	country := ""
	switch {
	case s[p] == '+':
		switch {
		case strings.HasPrefix(s[p+1:], "358"):
			country, p = "358", p+4
		case strings.HasPrefix(s[p+1:], "46"):
			country, p = "46", p+3
		default:
			return false
		}
	case strings.HasPrefix(s[p:], "00358"):
		country, p = "358", p+5
	case strings.HasPrefix(s[p:], "0046"):
		country, p = "46", p+4
	}
	paren := false
	if country != "" {
		p += sepLen(s, p, true)
		if strings.HasPrefix(s[p:], "(0)") {
			p += 3
			p += sepLen(s, p, true)
		}
	} else if s[p] == '(' {
		paren = true
		p++
	}
	var groups []group
	for len(groups) < 8 {
		start := p
		for p < len(s) && isDigit(s[p]) {
			p++
		}
		if p == start {
			break
		}
		groups = append(groups, group{s[start:p], p})
		if paren {
			if p >= len(s) || s[p] != ')' {
				return false
			}
			paren = false
			p++
			if p < len(s) && isDigit(s[p]) {
				continue
			}
		}
		if l := sepLen(s, p, true); l > 0 && p+l < len(s) && isDigit(s[p+l]) {
			p += l
			continue
		}
		break
	}
	if paren {
		return false
	}
	parenthesised := s[i] == '('
	for k := len(groups); k >= 1; k-- {
		end := groups[k-1].end
		if !endOK(s, end) {
			continue
		}
		if k == 1 && !parenthesised && inDecimal(s, i, end) {
			continue
		}
		if phoneValid(country, groups[:k], parenthesised) {
			return true
		}
	}
	return false
}

// continuesNumber reports whether byte i follows a digit and one separator: a digit group of a
// longer number such as "6 049 220 847", not the start of a phone number.
func continuesNumber(s string, i int) bool {
	for _, sep := range []string{" ", "-", "\u00a0", "\u202f"} {
		if j := i - len(sep); j >= 1 && s[j:i] == sep && isDigit(s[j-1]) {
			return true
		}
	}
	return false
}

func phoneValid(country string, groups []group, parenthesised bool) bool {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(g.digits)
	}
	d := b.String()
	if country != "" {
		d = strings.TrimPrefix(d, "0") // "+358 040…" is a common misspelling
		if d == "" || d[0] == '0' {
			return false
		}
		if country == "358" {
			return len(d) >= 6 && len(d) <= 11 && laterGroupsOK(groups, false)
		}
		return len(d) >= 7 && len(d) <= 10 && laterGroupsOK(groups, false)
	}
	if len(d) < 8 || d[0] != '0' || d[1] == '0' {
		return false
	}
	first := groups[0].digits
	fiMobile := d[1] == '4' || strings.HasPrefix(d, "050")
	seMobile := strings.HasPrefix(d, "070") || strings.HasPrefix(d, "072") ||
		strings.HasPrefix(d, "073") || strings.HasPrefix(d, "076") || strings.HasPrefix(d, "079")
	if len(groups) == 1 {
		return !parenthesised && (fiMobile || seMobile) && len(d) == 10
	}
	if !laterGroupsOK(groups, true) || dateLike(groups) {
		return false
	}
	switch {
	case fiMobile:
		return (len(first) == 3 || len(first) == 4) && len(d) >= 9 && len(d) <= 11
	case seMobile:
		return len(first) == 3 && len(d) == 10
	case strings.ContainsRune("235689", rune(d[1])):
		return len(first) == 2 && len(d) >= 8 && len(d) <= 10
	case d[1] == '1' && d[2] >= '3':
		return len(first) == 3 && len(d) >= 8 && len(d) <= 10
	}
	return false
}

// laterGroupsOK checks the groups after the first: two digits or more each, and (when
// needLong) at least one of three or more, as phone numbers are written.
func laterGroupsOK(groups []group, needLong bool) bool {
	long := false
	for _, g := range groups[1:] {
		if len(g.digits) < 2 {
			return false
		}
		long = long || len(g.digits) >= 3
	}
	return long || !needLong
}

// dateLike reports whether three groups read as a day, month and year ("05-06-2024").
func dateLike(groups []group) bool {
	if len(groups) != 3 {
		return false
	}
	a, b, c := groups[0].digits, groups[1].digits, groups[2].digits
	switch {
	case len(a) <= 2 && len(b) <= 2 && (len(c) == 4 || len(c) == 2):
		return validDate(2000, atoi(b), atoi(a)) || validDate(2000, atoi(a), atoi(b))
	case len(a) == 4 && len(b) <= 2 && len(c) <= 2:
		return validDate(2000, atoi(b), atoi(c))
	}
	return false
}
