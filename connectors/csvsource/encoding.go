package csvsource

import (
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// encoding is the text encoding of a file, as declared or as detected so far.
type encoding uint8

const (
	encUndecided encoding = iota // auto, and no byte >= 0x80 seen yet: every choice reads the same
	encUTF8
	encWindows1252
	encISO885915
)

// parseEncoding maps Options.Encoding to an encoding; ok is false for an unknown name.
func parseEncoding(name string) (e encoding, ok bool) {
	switch name {
	case "", "auto":
		return encUndecided, true
	case "utf-8":
		return encUTF8, true
	case "windows-1252":
		return encWindows1252, true
	case "iso-8859-15":
		return encISO885915, true
	}
	return 0, false
}

// utf8Enc is the UTF-8 encoding of one byte of a single-byte charset; n == 0 marks a byte
// the charset does not define.
type utf8Enc struct {
	n uint8
	b [3]byte
}

// decodeTable maps every byte of a single-byte charset to UTF-8.
type decodeTable [256]utf8Enc

var (
	windows1252Table = buildTable(charmap.Windows1252, func(b byte) bool {
		// Undefined in Windows-1252 (x/text maps them to C1 controls; vendors never mean those).
		return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D
	})
	iso885915Table = buildTable(charmap.ISO8859_15, func(b byte) bool {
		// ISO/IEC 8859-15 defines no graphic character at 0x80-0x9F; such a byte means the
		// file is really Windows-1252 (or something else) and would decode to C1 controls.
		return b >= 0x80 && b <= 0x9F
	})
)

func buildTable(cm *charmap.Charmap, undefined func(byte) bool) *decodeTable {
	t := new(decodeTable)
	for i := 0; i < 256; i++ {
		b := byte(i)
		if undefined(b) {
			continue
		}
		r := cm.DecodeByte(b)
		var e utf8Enc
		e.n = uint8(utf8.EncodeRune(e.b[:], r))
		t[i] = e
	}
	return t
}

// table returns the decoding table of a single-byte encoding, or nil for UTF-8.
func (e encoding) table() *decodeTable {
	switch e {
	case encWindows1252:
		return windows1252Table
	case encISO885915:
		return iso885915Table
	}
	return nil
}

const highBits = 0x8080808080808080

// hasHigh reports whether b holds a byte >= 0x80 (the ASCII fast path's test).
func hasHigh(b []byte) bool {
	for len(b) >= 16 {
		if (binary.LittleEndian.Uint64(b)|binary.LittleEndian.Uint64(b[8:]))&highBits != 0 {
			return true
		}
		b = b[16:]
	}
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&highBits != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// detect decides the encoding of an "auto" file at its first non-ASCII byte, as SPEC.md
// says: valid UTF-8 there means UTF-8, anything else Windows-1252. b must hold a byte >= 0x80;
// the first one is the file's first.
func detect(b []byte) encoding {
	for i, c := range b {
		if c >= 0x80 {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return encWindows1252
			}
			return encUTF8
		}
	}
	return encUndecided
}

// valid reports whether b is valid text in e (e must be decided).
func valid(e encoding, b []byte) bool {
	if e == encUTF8 {
		return utf8.Valid(b)
	}
	t := e.table()
	for _, c := range b {
		if c >= 0x80 && t[c].n == 0 {
			return false
		}
	}
	return true
}

// decodeAppend appends the UTF-8 form of b (in a single-byte charset, every byte defined)
// to dst. dst must have room for 3*len(b) more bytes so that no append reallocates.
func decodeAppend(dst []byte, b []byte, t *decodeTable) []byte {
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
			continue
		}
		e := &t[c]
		dst = append(dst, e.b[:e.n]...)
	}
	return dst
}
