package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Dialect is how a text writer spells the rows: the CSV delimiter, the decimal separator,
// the character encoding, the line ending and the date format.
type Dialect struct {
	Delimiter    byte   // field separator; not a quote, CR or LF
	DecimalComma bool   // write 123,45 instead of 123.45
	Encoding     string // "utf-8", "utf-8-bom" (UTF-8 with a byte-order mark) or "windows-1252"
	CRLF         bool   // end lines with CR LF instead of LF
	DateFormat   string // "iso" (2024-08-01) or "fi" (1.8.2024, no leading zeros)
}

// The named dialects of the synthreg command.
var (
	// DialectFI is a typical Finnish municipal export: `;`, decimal comma, Windows-1252,
	// CRLF, d.m.yyyy dates.
	DialectFI = Dialect{Delimiter: ';', DecimalComma: true, Encoding: "windows-1252", CRLF: true, DateFormat: "fi"}
	// DialectUTF8 is a modern export: `,`, decimal point, UTF-8 with a BOM, LF, ISO dates.
	DialectUTF8 = Dialect{Delimiter: ',', Encoding: "utf-8-bom", DateFormat: "iso"}
)

// DialectByName returns the dialect named "fi" or "utf8".
func DialectByName(name string) (Dialect, error) {
	switch name {
	case "fi":
		return DialectFI, nil
	case "utf8":
		return DialectUTF8, nil
	}
	return Dialect{}, fmt.Errorf("%w: unknown dialect %q (want fi or utf8)", ErrOptions, name)
}

func (d Dialect) validate() error {
	switch {
	case d.Delimiter == '"' || d.Delimiter == '\r' || d.Delimiter == '\n' || d.Delimiter == 0 || d.Delimiter >= utf8.RuneSelf:
		return fmt.Errorf("%w: delimiter must be an ASCII character other than a quote or a line break", ErrOptions)
	case d.Encoding != "utf-8" && d.Encoding != "utf-8-bom" && d.Encoding != "windows-1252":
		return fmt.Errorf("%w: encoding must be utf-8, utf-8-bom or windows-1252", ErrOptions)
	case d.DateFormat != "iso" && d.DateFormat != "fi":
		return fmt.Errorf("%w: date format must be iso or fi", ErrOptions)
	}
	return nil
}

// Fields returns the row's values as text in Columns() order, formatted by d: the fee with
// two decimals, hours with one, an empty string for NaN, the start date in d.DateFormat.
// Text is not yet encoded (it is UTF-8) and not quoted.
func (r Row) Fields(d Dialect) []string {
	return []string{r.HETU, r.FirstName, r.LastName, r.Street, r.PostalCode, r.Unit,
		formatNumber(r.MonthlyFee, 2, d.DecimalComma), formatNumber(r.Hours, 1, d.DecimalComma),
		formatDate(r, d.DateFormat), r.Phone, r.Email, r.Notes}
}

func formatNumber(v float64, decimals int, comma bool) string {
	if math.IsNaN(v) {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if comma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func formatDate(r Row, format string) string {
	y, m, d := r.StartDate.Date()
	if format == "fi" {
		return strconv.Itoa(d) + "." + strconv.Itoa(int(m)) + "." + strconv.Itoa(y)
	}
	return r.StartDate.Format(time.DateOnly)
}

// WriteCSV streams the register opt describes to w as CSV in dialect d: a header row
// (Columns()), then one record per row, quoted where a field holds the delimiter, a quote or
// a line break. Nothing is written for invalid Options or Dialect.
func WriteCSV(w io.Writer, opt Options, d Dialect) error {
	if err := d.validate(); err != nil {
		return err
	}
	if _, err := newGenerator(opt); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out io.Writer = bw
	var enc *transform.Writer
	switch d.Encoding {
	case "utf-8-bom":
		bw.WriteString("\uFEFF")
	case "windows-1252":
		enc = transform.NewWriter(bw, charmap.Windows1252.NewEncoder())
		out = enc
	}
	cw := csv.NewWriter(out)
	cw.Comma = rune(d.Delimiter)
	cw.UseCRLF = d.CRLF
	if err := cw.Write(Columns()); err != nil {
		return err
	}
	err := Generate(opt, func(r Row) error { return cw.Write(r.Fields(d)) })
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return fmt.Errorf("encode windows-1252: %w", err)
		}
	}
	return bw.Flush()
}

// WriteJSONL streams the register opt describes to w as JSON Lines in UTF-8 without a BOM:
// one object a row with the keys of Columns() in that order; strings as JSON strings,
// monthly_fee and hours as JSON numbers, start_date as "yyyy-mm-dd"; an empty string or a NaN
// number is an absent key.
func WriteJSONL(w io.Writer, opt Options) error {
	if _, err := newGenerator(opt); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cols := Columns()
	var buf []byte
	err := Generate(opt, func(r Row) error {
		buf = append(buf[:0], '{')
		first := true
		key := func(i int) {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = strconv.AppendQuote(buf, cols[i]) // column names are plain ASCII
			buf = append(buf, ':')
		}
		str := func(i int, s string) {
			if s != "" {
				key(i)
				buf = appendJSONString(buf, s)
			}
		}
		num := func(i int, v float64) {
			if !math.IsNaN(v) {
				key(i)
				buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
			}
		}
		str(0, r.HETU)
		str(1, r.FirstName)
		str(2, r.LastName)
		str(3, r.Street)
		str(4, r.PostalCode)
		str(5, r.Unit)
		num(6, r.MonthlyFee)
		num(7, r.Hours)
		str(8, r.StartDate.Format(time.DateOnly))
		str(9, r.Phone)
		str(10, r.Email)
		str(11, r.Notes)
		buf = append(buf, '}', '\n')
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// appendJSONString appends s as a JSON string, escaping quotes, backslashes and control
// characters and keeping other UTF-8 as is.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}

// WriteWithdrawn writes the withdrawn-consent list of the register opt describes in the
// format SPEC.md gives (UTF-8, LF): a `#` comment line saying the data are synthetic, a blank
// line, then the codes of Withdrawn(opt), one a line.
func WriteWithdrawn(w io.Writer, opt Options) error {
	ids, err := Withdrawn(opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Withdrawn consents. Wholly synthetic test data (synthreg, seed %d): not real persons.\n\n", opt.Seed)
	for _, id := range ids {
		bw.WriteString(id)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
