package csvsource

import (
	"bytes"

	"github.com/statexport/statexport/connectors"
)

var newline = []byte{'\n'}

// simpleRecord parses a record that is one physical line holding no quote (line excludes
// its line end). This is the fast path: it splits at the delimiter with bytes.IndexByte,
// copies only kept fields, and only counts the delimiters after the last kept field. checked:
// line is known valid in the decided encoding, so it needs no check, and a single-byte
// charset's fields are decoded without first looking for high bytes in the whole line.
func (s *Source) simpleRecord(line []byte, row int64, checked bool) error {
	hi := checked && s.tab != nil
	if !checked && hasHigh(line) {
		hi = true
		if s.enc == encUndecided {
			s.setEncoding(detect(line))
		}
		if !valid(s.enc, line) {
			return s.encodingError(line, row)
		}
	}
	delim, slot, cols, tab, last := s.delim, s.slot, s.cols, s.tab, s.lastKept
	f := 0
	rest := line
	for f <= last {
		i := bytes.IndexByte(rest, delim)
		fld := rest
		if i >= 0 {
			fld, rest = rest[:i], rest[i+1:]
		}
		if k := slot[f]; k >= 0 {
			if hi && tab != nil {
				cols[k].addDecoded(fld, tab)
			} else {
				cols[k].add(fld)
			}
		}
		f++
		if i < 0 {
			if f != len(slot) {
				return s.perr(row, -1, connectors.ErrFieldCount)
			}
			return nil
		}
	}
	if f += 1 + bytes.Count(rest, s.delimSep); f != len(slot) {
		return s.perr(row, -1, connectors.ErrFieldCount)
	}
	return nil
}

// encodingError cites the first field of a one-line record that is invalid in the encoding.
func (s *Source) encodingError(line []byte, row int64) error {
	for f := 0; ; f++ {
		i := bytes.IndexByte(line, s.delim)
		fld := line
		if i >= 0 {
			fld, line = line[:i], line[i+1:]
		}
		if !valid(s.enc, fld) || i < 0 {
			return s.perr(row, f, connectors.ErrEncoding)
		}
	}
}

// record parses one record of any shape starting at rec[0]: quoted fields with delimiters,
// doubled quotes and line breaks inside, CRLF or LF line ends, or the end of the file. It
// returns the bytes the record takes (line end included) and the line breaks inside its
// quoted fields. It returns errNeedMore when the record runs past rec and more of the file
// may follow; kept values already appended must then be dropped by the caller.
func (s *Source) record(rec []byte, row int64) (consumed, newlines int, err error) {
	delim, eof := s.delim, s.eof
	p, f := 0, 0
	lineEnd := -1 // index of the '\n' ending the current line, once looked up (or len(rec))
	for {
		if p < len(rec) && rec[p] == '"' {
			q := p + 1
			esc := false
			for {
				i := bytes.IndexByte(rec[q:], '"')
				if i < 0 {
					if eof {
						return 0, 0, s.perr(row, f, connectors.ErrQuote)
					}
					return 0, 0, errNeedMore
				}
				q += i + 1
				if q < len(rec) && rec[q] == '"' {
					esc = true
					q++
					continue
				}
				if q == len(rec) && !eof {
					return 0, 0, errNeedMore // the next byte may be a doubled quote
				}
				break
			}
			content := rec[p+1 : q-1]
			newlines += bytes.Count(content, newline)
			if err := s.field(f, content, esc, row); err != nil {
				return 0, 0, err
			}
			if q == len(rec) {
				return q, newlines, s.endRecord(f+1, row)
			}
			switch rec[q] {
			case delim:
				p, f, lineEnd = q+1, f+1, -1
				continue
			case '\n':
				return q + 1, newlines, s.endRecord(f+1, row)
			case '\r':
				switch {
				case q+1 < len(rec) && rec[q+1] == '\n':
					return q + 2, newlines, s.endRecord(f+1, row)
				case q+1 == len(rec) && eof:
					return q + 1, newlines, s.endRecord(f+1, row)
				case q+1 == len(rec):
					return 0, 0, errNeedMore
				}
			}
			return 0, 0, s.perr(row, f, connectors.ErrQuote) // text after a closing quote
		}
		// An unquoted field runs to the delimiter or the line end; a quote inside it is text.
		if lineEnd < p {
			i := bytes.IndexByte(rec[p:], '\n')
			switch {
			case i >= 0:
				lineEnd = p + i
			case eof:
				lineEnd = len(rec)
			default:
				return 0, 0, errNeedMore
			}
		}
		seg := rec[p:lineEnd]
		if i := bytes.IndexByte(seg, delim); i >= 0 {
			if err := s.field(f, seg[:i], false, row); err != nil {
				return 0, 0, err
			}
			p, f = p+i+1, f+1
			continue
		}
		if n := len(seg); n > 0 && seg[n-1] == '\r' {
			seg = seg[:n-1]
		}
		if err := s.field(f, seg, false, row); err != nil {
			return 0, 0, err
		}
		return min(lineEnd+1, len(rec)), newlines, s.endRecord(f+1, row)
	}
}

// endRecord checks the number of fields of a finished record.
func (s *Source) endRecord(fields int, row int64) error {
	if !s.inHeader && fields != len(s.slot) {
		return s.perr(row, -1, connectors.ErrFieldCount)
	}
	return nil
}

// field takes the f-th field of a record parsed by record: b is its text (inside the quotes
// for a quoted field, with doubled quotes still doubled when esc).
func (s *Source) field(f int, b []byte, esc bool, row int64) error {
	if s.inHeader {
		return s.headerField(f, b, esc, row)
	}
	if f >= len(s.slot) {
		return s.perr(row, -1, connectors.ErrFieldCount)
	}
	hi := hasHigh(b)
	if hi {
		if s.enc == encUndecided {
			s.setEncoding(detect(b))
		}
		if !valid(s.enc, b) {
			return s.perr(row, f, connectors.ErrEncoding)
		}
	}
	k := s.slot[f]
	if k < 0 {
		return nil
	}
	if esc {
		s.scratch = unescape(s.scratch[:0], b)
		b = s.scratch
	}
	if hi && s.tab != nil {
		s.cols[k].addDecoded(b, s.tab)
	} else {
		s.cols[k].add(b)
	}
	return nil
}

// headerField collects one header field, decoded to UTF-8.
func (s *Source) headerField(f int, b []byte, esc bool, row int64) error {
	if esc {
		b = unescape(nil, b)
	}
	if hasHigh(b) {
		if s.enc == encUndecided {
			s.setEncoding(detect(b))
		}
		if !valid(s.enc, b) {
			return s.perr(row, f, connectors.ErrEncoding)
		}
		if s.tab != nil {
			b = decodeAppend(make([]byte, 0, 3*len(b)), b, s.tab)
		}
	}
	s.hdr = append(s.hdr, string(b))
	return nil
}

// unescape appends b to dst with every doubled quote made single. In the text of a quoted
// field every quote is doubled, so the byte after each quote is its twin.
func unescape(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i+1]...)
		b = b[i+2:]
	}
}

// delimiters are the candidates of "auto", in order of preference on ties: Finnish exports
// use ';' (the decimal separator is ',').
var delimiters = [...]byte{';', ',', '\t', '|'}

// sniff picks the delimiter of a file from its first records (b starts at the header;
// complete says b runs to the end of the file, so its last record is whole). A candidate
// qualifies when it occurs (outside quotes) in the header and every sampled record holds it
// as many times; the qualifying one that splits the header into most fields wins, ties going
// by the order of delimiters. When none qualifies (a malformed record among the first), the
// header decides alone; a header without any candidate is a single column, and the
// delimiter is then one that no sampled record holds, so that records read as one field.
func sniff(b []byte, complete bool) byte {
	var header, count [len(delimiters)]int
	consistent := [len(delimiters)]bool{true, true, true, true}
	var seen [len(delimiters)]bool
	records := 0
	inQuote, blank := false, true
	finish := func() {
		if blank {
			return
		}
		for j := range delimiters {
			if records == 0 {
				header[j] = count[j]
			} else if count[j] != header[j] {
				consistent[j] = false
			}
			if count[j] > 0 {
				seen[j] = true
			}
		}
		records++
	}
	for _, c := range b {
		if records >= sniffRecords {
			break
		}
		switch {
		case c == '"':
			inQuote = !inQuote
			blank = false
		case inQuote:
		case c == '\n':
			finish()
			count = [len(delimiters)]int{}
			blank = true
		case c == '\r' || c == ' ':
		default:
			blank = false
			for j, d := range delimiters {
				if c == d {
					count[j]++
				}
			}
		}
	}
	if complete && !inQuote && records < sniffRecords {
		finish()
	}
	best := -1
	for j := range delimiters {
		if header[j] > 0 && consistent[j] && (best < 0 || header[j] > header[best]) {
			best = j
		}
	}
	if best < 0 {
		for j := range delimiters {
			if header[j] > 0 && (best < 0 || header[j] > header[best]) {
				best = j
			}
		}
	}
	if best < 0 {
		for j := range delimiters {
			if !seen[j] {
				return delimiters[j]
			}
		}
		best = 0
	}
	return delimiters[best]
}
