package jsonlsource

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/statexport/statexport/connectors"
)

// scanner parses one line holding one flat JSON object (RFC 8259 syntax; values must be
// scalars). It is a hand-written byte scanner, several times faster than encoding/json's
// token API, and it never returns text of the input in an error.
type scanner struct {
	keyBuf []byte // decoded key when it holds escapes
	valBuf []byte // decoded string value when it holds escapes
}

// field reports one key and its value to parse's callback. key and val alias the line or
// the scanner's buffers: they are valid only during the call.
type field struct {
	key  []byte
	val  []byte // the text: a string's decoded content, a number's literal, "true" or "false"
	num  bool   // val is a JSON number literal (not a string holding digits)
	null bool   // JSON null (val is empty)
}

// parse reads line and calls fn for every key in order; fn's error ends the parse and is
// returned as is. On malformed input parse returns the key at fault (nil when none) and
// ErrSyntax, ErrNotObject, connectors.ErrNested or connectors.ErrEncoding.
func (sc *scanner) parse(line []byte, fn func(f *field) error) ([]byte, error) {
	if !utf8.Valid(line) {
		return nil, connectors.ErrEncoding
	}
	i := skipWS(line, 0)
	if i == len(line) {
		return nil, ErrSyntax
	}
	if line[i] != '{' {
		switch c := line[i]; {
		case c == '[' || c == '"' || c == '-' || c == 't' || c == 'f' || c == 'n' || (c >= '0' && c <= '9'):
			return nil, ErrNotObject
		}
		return nil, ErrSyntax
	}
	i = skipWS(line, i+1)
	var f field
	if i < len(line) && line[i] == '}' {
		i++
	} else {
		for {
			var err error
			if i >= len(line) || line[i] != '"' {
				return nil, ErrSyntax
			}
			f.key, i, err = sc.str(line, i, &sc.keyBuf)
			if err != nil {
				return nil, err
			}
			i = skipWS(line, i)
			if i >= len(line) || line[i] != ':' {
				return f.key, ErrSyntax
			}
			i = skipWS(line, i+1)
			if i >= len(line) {
				return f.key, ErrSyntax
			}
			f.null, f.num = false, false
			switch c := line[i]; {
			case c == '"':
				f.val, i, err = sc.str(line, i, &sc.valBuf)
				if err != nil {
					return f.key, err
				}
			case c == '{' || c == '[':
				return f.key, connectors.ErrNested
			case c == 't':
				if f.val, i, err = literal(line, i, "true"); err != nil {
					return f.key, err
				}
			case c == 'f':
				if f.val, i, err = literal(line, i, "false"); err != nil {
					return f.key, err
				}
			case c == 'n':
				if _, i, err = literal(line, i, "null"); err != nil {
					return f.key, err
				}
				f.val, f.null = nil, true
			case c == '-' || (c >= '0' && c <= '9'):
				start := i
				if i = number(line, i); i < 0 {
					return f.key, ErrSyntax
				}
				f.val, f.num = line[start:i], true
			default:
				return f.key, ErrSyntax
			}
			if err := fn(&f); err != nil {
				return nil, err
			}
			i = skipWS(line, i)
			if i < len(line) && line[i] == ',' {
				i = skipWS(line, i+1)
				continue
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			return nil, ErrSyntax
		}
	}
	if skipWS(line, i) != len(line) {
		return nil, ErrSyntax
	}
	return nil, nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func literal(b []byte, i int, word string) ([]byte, int, error) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return nil, i, ErrSyntax
	}
	return b[i : i+len(word)], i + len(word), nil
}

// number returns the index after the JSON number starting at i, or -1 when the grammar
// (-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?) is not met.
func number(b []byte, i int) int {
	digits := func(i int) int {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// str reads the JSON string starting at b[i] == '"'. It returns its content (a slice of b
// when it holds no escape, else decoded into *buf) and the index after the closing quote.
func (sc *scanner) str(b []byte, i int, buf *[]byte) ([]byte, int, error) {
	start := i + 1
	j := start
	for j < len(b) && b[j] != '"' && b[j] != '\\' {
		if b[j] < 0x20 {
			return nil, i, ErrSyntax
		}
		j++
	}
	if j < len(b) && b[j] == '"' {
		return b[start:j], j + 1, nil
	}
	out := append((*buf)[:0], b[start:j]...)
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			*buf = out
			return out, j + 1, nil
		case c < 0x20:
			return nil, i, ErrSyntax
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			return nil, i, ErrSyntax
		}
		switch e := b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, j+2)
			if !ok {
				return nil, i, ErrSyntax
			}
			j += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(b, j+2); ok && j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						out = utf8.AppendRune(out, d)
						j += 6
						continue
					}
				}
				r = utf8.RuneError // a lone surrogate, as encoding/json decodes it
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, i, ErrSyntax
		}
		j += 2
	}
	return nil, i, ErrSyntax
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
