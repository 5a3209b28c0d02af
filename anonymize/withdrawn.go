package anonymize

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// ErrInvalidUTF8 reports a withdrawn-list line that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

// maxWithdrawnLine bounds one line of the withdrawn list; a longer line is no person id.
const maxWithdrawnLine = 1 << 20

// WithdrawnError reports an invalid line of the withdrawn-consent list: its 1-based line
// number and why (ErrPersonID, ErrInvalidUTF8 or the error of the caller's parse function).
// It has no field for the line's content, so it cannot leak it.
type WithdrawnError struct {
	Line int
	Err  error
}

// Error returns "withdrawn list line N: <reason>".
func (e *WithdrawnError) Error() string {
	return "withdrawn list line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

// Unwrap returns the reason, so errors.Is(err, ErrPersonID) works.
func (e *WithdrawnError) Unwrap() error { return e.Err }

// ParseWithdrawn reads the withdrawn-consent list as SPEC "Withdrawn list" describes it and
// returns the set of its persons' keys. The list is UTF-8 text (a leading BOM is skipped)
// with one person id a line; line ends are LF or CRLF; blanks (ASCII space, tab, NBSP)
// around ids, blank lines, duplicates and lines whose first non-blank character is '#'
// (comments) are allowed. Each id, trimmed, is passed to parse (a closure over
// ParseHETU(..).Key or AnyPersonKey); parse must not retain its argument.
//
// Any invalid line — invalid UTF-8 (comment lines included), longer than 1 MiB, or rejected
// by parse — stops the reading with a *WithdrawnError citing its 1-based line number: a
// withdrawal is never ignored. An error reading r is returned as it is. An empty list gives
// an empty, non-nil set.
func ParseWithdrawn(r io.Reader, parse func([]byte) (uint64, error)) (map[uint64]struct{}, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxWithdrawnLine)
	set := make(map[uint64]struct{})
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		}
		if !utf8.Valid(b) {
			return nil, &WithdrawnError{Line: line, Err: ErrInvalidUTF8}
		}
		b = trimIDBlanks(b)
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		key, err := parse(b)
		if err != nil {
			return nil, &WithdrawnError{Line: line, Err: err}
		}
		set[key] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &WithdrawnError{Line: line + 1, Err: ErrPersonID}
		}
		return nil, err
	}
	return set, nil
}
