package anonymize

import "hash/maphash"

// AnyPersonKey is the in-memory key of a `format: any` person id: a 64-bit keyed hash
// (hash/maphash under seed) of the id with its surrounding blanks (ASCII space, tab and
// NBSP U+00A0) removed; the id is otherwise taken byte for byte (case and inner blanks
// count). It returns ErrPersonID when nothing is left after trimming.
//
// The caller creates seed once per run and uses it for the register and the withdrawn list
// alike, so the keys of one run are comparable and those of two runs are not. Two distinct
// ids share a key with probability about n²/2⁶⁵ for n distinct ids (≈ 3·10⁻⁶ for 10⁷ ids).
// It does not allocate.
func AnyPersonKey(seed maphash.Seed, b []byte) (uint64, error) {
	b = trimIDBlanks(b)
	if len(b) == 0 {
		return 0, ErrPersonID
	}
	return maphash.Bytes(seed, b), nil
}

// trimIDBlanks removes leading and trailing ASCII spaces, tabs and UTF-8 encoded
// non-breaking spaces (U+00A0, bytes C2 A0): the "surrounding blanks" SPEC accepts around
// person ids and dates.
func trimIDBlanks(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[0] == ' ' || b[0] == '\t':
			b = b[1:]
		case len(b) >= 2 && b[0] == 0xC2 && b[1] == 0xA0:
			b = b[2:]
		default:
			goto right
		}
	}
right:
	for n := len(b); n > 0; n = len(b) {
		switch {
		case b[n-1] == ' ' || b[n-1] == '\t':
			b = b[:n-1]
		case n >= 2 && b[n-2] == 0xC2 && b[n-1] == 0xA0:
			b = b[:n-2]
		default:
			return b
		}
	}
	return b
}
