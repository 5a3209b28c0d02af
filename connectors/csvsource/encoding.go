package csvsource

import (
	"encoding/binary"
	"math/bits"
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

// firstHigh returns the index of the first byte >= 0x80 in b, or -1 when b is ASCII. It
// tests eight bytes at a time: the ASCII fast path every field goes through.
func firstHigh(b []byte) int {
	i := 0
	for ; i+16 <= len(b); i += 16 {
		w0, w1 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		if (w0|w1)&highBits != 0 {
			if m := w0 & highBits; m != 0 {
				return i + bits.TrailingZeros64(m)/8
			}
			return i + 8 + bits.TrailingZeros64(w1&highBits)/8
		}
	}
	for ; i+8 <= len(b); i += 8 {
		if m := binary.LittleEndian.Uint64(b[i:]) & highBits; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// hasHigh reports whether b holds a byte >= 0x80.
func hasHigh(b []byte) bool { return firstHigh(b) >= 0 }

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
	i := firstHigh(b)
	if i < 0 {
		return true
	}
	if e == encUTF8 {
		return utf8.Valid(b[i:])
	}
	t := e.table()
	for i >= 0 {
		if t[b[i]].n == 0 {
			return false
		}
		b = b[i+1:]
		i = firstHigh(b)
	}
	return true
}

// decodeAppend appends the UTF-8 form of b (in a single-byte charset, every byte defined)
// to dst, copying ASCII runs whole. dst must have room for 3*len(b) more bytes so that no
// append reallocates.
func decodeAppend(dst []byte, b []byte, t *decodeTable) []byte {
	for {
		i := firstHigh(b)
		if i < 0 {
			return append(dst, b...)
		}
		e := &t[b[i]]
		dst = append(dst, b[:i]...)
		dst = append(dst, e.b[:e.n]...)
		b = b[i+1:]
	}
}
