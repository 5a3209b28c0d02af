package parquetsink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// ErrUnreadable wraps every error Open, Reader.Next and Read return for a file that is not
// readable Parquet (as opposed to an I/O error such as a missing file).
var ErrUnreadable = errors.New("not a readable Parquet file")

// Reader reads a Parquet file row by row. Every leaf column of the file's schema becomes
// one Column, named by its dotted path ("address.city", "tags.list.element"), in schema
// order. Values are converted to the four column types:
//
//   - BOOLEAN → Bool
//   - INT32 and INT64 (signed or unsigned up to 32 bits) → Int64
//   - FLOAT, DOUBLE, FLOAT16 → Double
//   - BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY (strings, enums, JSON, binary) → String of the bytes
//   - DATE → String "2006-01-02"; TIMESTAMP and INT96 → String "2006-01-02T15:04:05.999999999"
//     (with "Z" when adjusted to UTC); TIME → String "15:04:05.999999999"
//   - DECIMAL → String of the exact decimal ("-1234.50"); UUID → its canonical String;
//     unsigned 64-bit integers → String of the decimal
//   - a repeated leaf → String of its non-null elements, each converted as above, joined by "; "
//
// Null is nil. A Reader is not safe for concurrent use.
type Reader struct {
	path   string
	file   *os.File
	pf     *parquet.File
	rows   *parquet.Reader
	cols   []Column
	leaves []leaf
	meta   map[string]string
	buf    []parquet.Row
	n, i   int
	done   bool
}

// leaf describes how to convert one leaf column's values.
type leaf struct {
	repeated bool
	convert  func(parquet.Value) any
}

// Open opens path for reading with Next. The caller must Close the Reader.
func Open(path string) (r *Reader, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read %s: %w", path, ErrUnreadable)
		}
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := checkFooter(f, st.Size()); err != nil {
		return nil, fmt.Errorf("read %s: %w: %w", path, ErrUnreadable, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w: %w", path, ErrUnreadable, err)
	}
	r = &Reader{path: path, file: f, pf: pf, meta: map[string]string{}}
	for _, kv := range pf.Metadata().KeyValueMetadata {
		r.meta[kv.Key] = kv.Value
	}
	if err := r.describe(); err != nil {
		return nil, fmt.Errorf("read %s: %w: %w", path, ErrUnreadable, err)
	}
	r.rows = parquet.NewReader(pf)
	r.buf = make([]parquet.Row, 64)
	return r, nil
}

// checkFooter checks the file's framing before parquet-go reads it: magic bytes at both ends
// and a footer length that fits in the file (parquet-go would allocate whatever length a
// damaged file declares).
func checkFooter(f *os.File, size int64) error {
	if size < 12 {
		return errors.New("too short")
	}
	var head [4]byte
	var tail [8]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return err
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return errors.New("no Parquet magic bytes (encrypted files are not supported)")
	}
	footer := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footer > size-12 {
		return errors.New("footer length beyond the file")
	}
	return nil
}

// describe derives the columns from the file's flattened schema elements (depth first; a
// leaf is an element without children).
func (r *Reader) describe() error {
	elems := r.pf.Metadata().Schema
	if len(elems) == 0 {
		return errors.New("empty schema")
	}
	var walk func(i int, path []string, repeated bool) (int, error)
	walk = func(i int, path []string, repeated bool) (int, error) {
		if i >= len(elems) {
			return i, errors.New("truncated schema")
		}
		e := &elems[i]
		// The root's repetition means nothing (some writers mark it repeated).
		rep := repeated || (i > 0 && e.RepetitionType.Valid && e.RepetitionType.V == format.Repeated)
		if i > 0 {
			path = append(path, e.Name)
		}
		children := int(e.NumChildren.V)
		if !e.NumChildren.Valid || children == 0 {
			if i == 0 {
				return i, errors.New("schema without columns")
			}
			typ, conv := leafType(e)
			if rep {
				typ = String
			}
			r.cols = append(r.cols, Column{Name: strings.Join(path, "."), Type: typ})
			r.leaves = append(r.leaves, leaf{repeated: rep, convert: conv})
			return i + 1, nil
		}
		next := i + 1
		for range children {
			var err error
			if next, err = walk(next, path, rep); err != nil {
				return next, err
			}
		}
		return next, nil
	}
	end, err := walk(0, nil, false)
	if err != nil {
		return err
	}
	if end != len(elems) || len(r.leaves) != len(r.pf.Schema().Columns()) {
		return errors.New("inconsistent schema")
	}
	return nil
}

// Columns returns the file's leaf columns with the type each converts to.
func (r *Reader) Columns() []Column { return r.cols }

// Metadata returns the file's footer key-value metadata.
func (r *Reader) Metadata() map[string]string { return r.meta }

// NumRows returns the number of rows the footer declares.
func (r *Reader) NumRows() int64 { return r.pf.NumRows() }

// Next returns the next row's values, one per column (nil for null), or io.EOF after the
// last row. The returned slice is the caller's.
func (r *Reader) Next() (vals []any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read %s: %w", r.path, ErrUnreadable)
		}
	}()
	for r.i >= r.n {
		if r.done {
			return nil, io.EOF
		}
		n, err := r.rows.ReadRows(r.buf)
		r.n, r.i = n, 0
		if errors.Is(err, io.EOF) || (n == 0 && err == nil) {
			r.done = true
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w: %w", r.path, ErrUnreadable, err)
		}
	}
	row := r.buf[r.i]
	r.i++
	vals = make([]any, len(r.cols))
	var lists [][]string
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(r.leaves) {
			return nil, fmt.Errorf("read %s: %w: value outside the schema", r.path, ErrUnreadable)
		}
		if v.IsNull() {
			continue
		}
		x := r.leaves[c].convert(v)
		if !r.leaves[c].repeated {
			vals[c] = x
			continue
		}
		if lists == nil {
			lists = make([][]string, len(r.cols))
		}
		lists[c] = append(lists[c], text(x))
	}
	for c, l := range lists {
		if l != nil {
			vals[c] = strings.Join(l, "; ")
		}
	}
	return vals, nil
}

// Close closes the file. It is safe to call more than once.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	if r.rows != nil {
		r.rows.Close()
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// Read reads a whole Parquet file into memory (meant for small tables, such as the ones
// Write writes) and returns its columns and rows as Reader describes them, and its footer
// key-value metadata.
func Read(path string) (Table, map[string]string, error) {
	r, err := Open(path)
	if err != nil {
		return Table{}, nil, err
	}
	defer r.Close()
	t := Table{Columns: r.Columns(), Rows: make([][]any, 0, r.NumRows())}
	for {
		vals, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Table{}, nil, err
		}
		t.Rows = append(t.Rows, vals)
	}
	if int64(len(t.Rows)) != r.NumRows() {
		return Table{}, nil, fmt.Errorf("read %s: %w: row count differs from the footer", path, ErrUnreadable)
	}
	return t, r.Metadata(), r.Close()
}

// text formats a converted value for a repeated column.
func text(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// leafType picks a leaf's column type and value conversion from its schema element.
func leafType(e *format.SchemaElement) (ColumnType, func(parquet.Value) any) {
	lt := e.LogicalType.Value
	conv := deprecated.ConvertedType(-1)
	if e.ConvertedType.Valid {
		conv = e.ConvertedType.V
	}
	switch t := lt.(type) {
	case *format.DecimalType:
		return String, decimalOf(int(t.Scale))
	case *format.DateType:
		return String, dateOf
	case *format.TimestampType:
		return String, timestampOf(unitOf(&t.Unit), t.IsAdjustedToUTC)
	case *format.TimeType:
		return String, timeOf(unitOf(&t.Unit))
	case *format.UUIDType:
		return String, uuidOf
	case *format.Float16Type:
		return Double, float16Of
	case *format.IntType:
		if !t.IsSigned && t.BitWidth == 64 {
			return String, func(v parquet.Value) any { return strconv.FormatUint(v.Uint64(), 10) }
		}
		if !t.IsSigned && t.BitWidth == 32 {
			return Int64, func(v parquet.Value) any { return int64(v.Uint32()) }
		}
	}
	if lt == nil {
		switch conv {
		case deprecated.Decimal:
			return String, decimalOf(int(e.Scale.V))
		case deprecated.Date:
			return String, dateOf
		case deprecated.TimestampMillis:
			return String, timestampOf(time.Millisecond, true)
		case deprecated.TimestampMicros:
			return String, timestampOf(time.Microsecond, true)
		case deprecated.TimeMillis:
			return String, timeOf(time.Millisecond)
		case deprecated.TimeMicros:
			return String, timeOf(time.Microsecond)
		case deprecated.Uint64:
			return String, func(v parquet.Value) any { return strconv.FormatUint(v.Uint64(), 10) }
		case deprecated.Uint32:
			return Int64, func(v parquet.Value) any { return int64(v.Uint32()) }
		}
	}
	switch e.Type.V {
	case format.Boolean:
		return Bool, func(v parquet.Value) any { return v.Boolean() }
	case format.Int32:
		return Int64, func(v parquet.Value) any { return int64(v.Int32()) }
	case format.Int64:
		return Int64, func(v parquet.Value) any { return v.Int64() }
	case format.Int96:
		return String, int96Of
	case format.Float:
		return Double, func(v parquet.Value) any { return float64(v.Float()) }
	case format.Double:
		return Double, func(v parquet.Value) any { return v.Double() }
	}
	return String, func(v parquet.Value) any { return string(v.ByteArray()) }
}

func unitOf(u *format.TimeUnit) time.Duration {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.Millisecond
	case *format.NanoSeconds:
		return time.Nanosecond
	}
	return time.Microsecond
}

// integer returns an INT32 or INT64 value as int64.
func integer(v parquet.Value) int64 {
	if v.Kind() == parquet.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}

func dateOf(v parquet.Value) any {
	return time.Unix(integer(v)*86400, 0).UTC().Format("2006-01-02")
}

const (
	layoutLocal = "2006-01-02T15:04:05.999999999"
	layoutUTC   = "2006-01-02T15:04:05.999999999Z"
)

func timestampOf(unit time.Duration, utc bool) func(parquet.Value) any {
	layout := layoutLocal
	if utc {
		layout = layoutUTC
	}
	return func(v parquet.Value) any {
		n := integer(v)
		per := int64(time.Second / unit)
		return time.Unix(floorDiv(n, per), (n-floorDiv(n, per)*per)*int64(unit)).UTC().Format(layout)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func timeOf(unit time.Duration) func(parquet.Value) any {
	return func(v parquet.Value) any {
		d := time.Duration(integer(v)) * unit
		return time.Unix(0, 0).UTC().Add(d).Format("15:04:05.999999999")
	}
}

// int96Of converts a legacy INT96 timestamp: nanoseconds of the day, then the Julian day.
func int96Of(v parquet.Value) any {
	i := v.Int96()
	nanos := int64(uint64(i[0]) | uint64(i[1])<<32)
	days := int64(i[2]) - 2440588 // Julian day of 1970-01-01
	return time.Unix(days*86400, nanos).UTC().Format(layoutLocal)
}

func uuidOf(v parquet.Value) any {
	b := v.ByteArray()
	if len(b) != 16 {
		return string(b)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func float16Of(v parquet.Value) any {
	b := v.ByteArray()
	if len(b) != 2 {
		return math.NaN()
	}
	h := uint16(b[0]) | uint16(b[1])<<8
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// decimalOf formats an unscaled integer (INT32, INT64 or big-endian two's complement bytes)
// as an exact decimal with the given scale.
func decimalOf(scale int) func(parquet.Value) any {
	return func(v parquet.Value) any {
		var n big.Int
		switch v.Kind() {
		case parquet.Int32, parquet.Int64:
			n.SetInt64(integer(v))
		default:
			b := v.ByteArray()
			n.SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 {
				n.Sub(&n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
		}
		s := n.String()
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		switch {
		case scale > 0:
			if len(s) <= scale {
				s = strings.Repeat("0", scale-len(s)+1) + s
			}
			s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		case scale < 0:
			s += strings.Repeat("0", -scale)
		}
		if neg {
			s = "-" + s
		}
		return s
	}
}
