package xlsxsource

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// builtinDate tells whether a built-in number format id shows a date (time-only formats
// 18–21 and 45–47 do not).
func builtinDate(id int) bool {
	switch {
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 36, id >= 50 && id <= 58, id >= 71 && id <= 75:
		return true
	}
	return false
}

// isDateFormat tells whether a custom number format code shows a date: its first section,
// without quoted text, escaped characters, [...] modifiers (colours, locales; elapsed [h] [m] [s] are kept) and _x / *x padding, holds a year
// or day token, or a month token without hours or seconds beside it (m next to h or s is
// minutes).
func isDateFormat(code string) bool {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			i = len(code) // first section only
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			if in := strings.ToLower(code[i+1 : i+j]); in != "" && strings.Trim(in, "hms") == "" {
				b.WriteString(in) // elapsed time: [h]:mm
			}
			i += j
		default:
			b.WriteByte(c | 0x20) // ASCII lower case; other bytes are irrelevant here
		}
	}
	s := b.String()
	if strings.ContainsAny(s, "yd") {
		return true
	}
	return strings.IndexByte(s, 'm') >= 0 && !strings.ContainsAny(s, "hs")
}

// formatNumber renders a number cell's stored text as plain decimal text: no exponent, '.'
// as the separator, rounded to 15 significant digits (what Excel displays). ok is false
// when v is not a number.
func formatNumber(v string) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64), true
}

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxSerial is 9999-12-31 in the 1900 date system.
const maxSerial = 2958465

// serialDate converts an Excel date serial to yyyy-mm-dd, dropping any time of day. ok is
// false for serials Excel cannot show as a date, and for the phantom 1900-02-29 (serial 60).
func serialDate(serial float64, date1904 bool) (string, bool) {
	day := math.Floor(serial)
	if date1904 {
		if day < 0 || day > maxSerial-1462 {
			return "", false
		}
		return epoch1904.AddDate(0, 0, int(day)).Format(time.DateOnly), true
	}
	switch {
	case day < 1 || day > maxSerial || day == 60:
		return "", false
	case day < 60: // Excel counts a 1900-02-29 that never was
		return epoch1900.AddDate(0, 0, int(day)+1).Format(time.DateOnly), true
	}
	return epoch1900.AddDate(0, 0, int(day)).Format(time.DateOnly), true
}

// isoDatePart returns the yyyy-mm-dd part of an ISO 8601 date cell (t="d"), or v unchanged.
func isoDatePart(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 10 {
		if _, err := time.Parse(time.DateOnly, v[:10]); err == nil {
			return v[:10]
		}
	}
	return v
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML cannot hold
// (such as _x000D_ for a carriage return); _x005F_ escapes a literal underscore.
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+6 < len(s) && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 6
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
