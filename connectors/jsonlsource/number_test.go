package jsonlsource

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/connectors"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// integers, already canonical
		{"0", "0"},
		{"100", "100"},
		{"-7", "-7"},
		{"12345678901234567890", "12345678901234567890"},
		{"-98765432109876543210987654321", "-98765432109876543210987654321"},
		// trailing fractional zeros and points
		{"2400.0", "2400"},
		{"-1.50", "-1.5"},
		{"1.0000", "1"},
		{"10.010", "10.01"},
		{"0.5", "0.5"},
		// zeros of every shape
		{"-0", "0"},
		{"-0.0", "0"},
		{"0.000", "0"},
		{"0e10", "0"},
		{"-0e5", "0"},
		{"0.0E-7", "0"},
		{"0e99999999999999999999", "0"},
		// exponents
		{"1.021e4", "10210"},
		{"2.4e3", "2400"},
		{"-2e3", "-2000"},
		{"1e21", "1000000000000000000000"},
		{"1E+2", "100"},
		{"1e0", "1"},
		{"1e-0", "1"},
		{"1.5e-3", "0.0015"},
		{"-1.5e-3", "-0.0015"},
		{"123.456e1", "1234.56"},
		{"123.456e-1", "12.3456"},
		{"123.456e3", "123456"},
		{"123.456e5", "12345600"},
		{"123.456e-3", "0.123456"},
		{"123.456e-4", "0.0123456"},
		{"0.00123e2", "0.123"},
		{"0.00123e5", "123"},
		{"0.00123e6", "1230"},
		{"10e-1", "1"},
		{"100e-5", "0.001"},
		{"5e-1", "0.5"},
		{"1.000e3", "1000"},
		{"0.1e1", "1"},
		{"1e-10", "0.0000000001"},
		{"1.7976931348623157e308", "17976931348623157" + strings.Repeat("0", 292)},
		{"4.9e-324", "0." + strings.Repeat("0", 323) + "49"},
		// digits beyond float64 precision are kept
		{"0.1000000000000000000001", "0.1000000000000000000001"},
		{"12345678901234567890.1234567890e5", "1234567890123456789012345.6789"},
		{"9007199254740993.0", "9007199254740993"},
		// plain form of exactly the bound is still written
		{"1e399", "1" + strings.Repeat("0", 399)},
		{"1e-399", "0." + strings.Repeat("0", 398) + "1"},
		{"-1.5e398", "-15" + strings.Repeat("0", 397)},
		// beyond the bound the literal is kept
		{"1e400", "1e400"},
		{"-1e-400", "-1e-400"},
		{"1.5e400", "1.5e400"},
		{"1e999", "1e999"},
		{"1e99999999999999999999", "1e99999999999999999999"},
		{"-2.5E-99999999999999999999", "-2.5E-99999999999999999999"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			prefix := []byte("keep:")
			got, ok := canonicalNumber(append([]byte(nil), prefix...), []byte(tc.in))
			if string(got) != "keep:"+tc.want {
				t.Errorf("canonicalNumber(%q) = %q, want %q", tc.in, got[min(len(got), len(prefix)):], tc.want)
			}
			if wantOK := !strings.ContainsAny(tc.want, "eE"); ok != wantOK {
				t.Errorf("canonicalNumber(%q) ok = %v, want %v", tc.in, ok, wantOK)
			}
		})
	}
}

// TestCanonicalNumberBound checks that a short literal with a huge exponent is kept as is
// instead of growing into a huge string, and that a long literal without exponent, whose
// plain form is no longer than itself, is still made canonical.
func TestCanonicalNumberBound(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		ok     bool
		maxLen int // the output may not be longer
	}{
		{name: "huge positive exponent", in: "9.99e2147483647", want: "9.99e2147483647", ok: false, maxLen: 15},
		{name: "huge negative exponent", in: "1e-2147483648", want: "1e-2147483648", ok: false, maxLen: 13},
		{name: "exponent beyond int64", in: "1e" + strings.Repeat("9", 40), want: "1e" + strings.Repeat("9", 40), ok: false, maxLen: 42},
		{name: "first exponent over the bound", in: "1e400", want: "1e400", ok: false, maxLen: 5},
		{name: "long integer with trailing zeros", in: strings.Repeat("7", 1000) + ".000", want: strings.Repeat("7", 1000), ok: true, maxLen: 1000},
		{name: "long fraction shifted by exponent", in: "0." + strings.Repeat("3", 1000) + "e3", want: "333." + strings.Repeat("3", 997), ok: true, maxLen: 1001},
		{name: "long literal whose exponent overruns it", in: strings.Repeat("1", 500) + "e600", want: strings.Repeat("1", 500) + "e600", ok: false, maxLen: 504},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := canonicalNumber(nil, []byte(tc.in))
			if string(got) != tc.want || ok != tc.ok {
				t.Errorf("canonicalNumber = %.40q… (len %d) ok %v, want %.40q… (len %d) ok %v", got, len(got), ok, tc.want, len(tc.want), tc.ok)
			}
			if len(got) > tc.maxLen {
				t.Errorf("output length %d, want at most %d", len(got), tc.maxLen)
			}
		})
	}
}

// TestCanonicalNumberParsesAsMeasure checks that anonymize.ParseDecimal, which reads the
// measures downstream and rejects exponents, reads the canonical text as the value the
// literal means.
func TestCanonicalNumberParsesAsMeasure(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"1.5e-3", 0.0015},
		{"-1.50", -1.5},
		{"2.4e3", 2400},
		{"1e21", 1e21},
		{"-0.0e3", 0},
		{"12345678901234567890", 12345678901234567890},
		{"123.456e1", 1234.56},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if _, ok, err := anonymize.ParseDecimal([]byte(tc.in), '.'); err == nil && ok && strings.ContainsAny(tc.in, "eE") {
				t.Fatalf("ParseDecimal accepts the exponent form %q; the test premise is wrong", tc.in)
			}
			out, _ := canonicalNumber(nil, []byte(tc.in))
			v, ok, err := anonymize.ParseDecimal(out, '.')
			if err != nil || !ok || v != tc.want {
				t.Errorf("ParseDecimal(%q) = %v, %v, %v; want %v", out, v, ok, err, tc.want)
			}
		})
	}
}

// TestReadNumbers reads testdata/numbers.jsonl through the Source: JSON numbers come out in
// canonical plain form, JSON strings holding number-like text exactly as written.
func TestReadNumbers(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := OpenWithAllocator(connectors.Options{Path: "testdata/numbers.jsonl", Keep: []string{"postal_code", "label", "amount"}, BatchRows: 4}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vals, rows, err := readAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"2400", "2.4e3", "0.0015"},
		{"10210", "1.021e4", "-1.5"},
		{"2400", "0100", "0"},
		{"100", "x", "12345678901234567890"},
		{"100", "1E+2", "0"},
		{"1234.56", null, "0.1000000000000000000001"},
		{"1000000000000000000000", null, "1e999"},
	}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("values =\n%q\nwant\n%q", vals, want)
	}
	if !reflect.DeepEqual(rows, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("rows = %v", rows)
	}
}

// TestReadNumberBufferReuse checks that canonicalisation is per cell: the value buffer a
// column reuses from record to record keeps no leftovers of a longer or differently typed
// value.
func TestReadNumberBufferReuse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{name: "long string then short number", in: `{"a":"abcdefghij","b":1e1}` + "\n" + `{"a":5.0,"b":"x"}` + "\n", want: [][]string{{"abcdefghij"}, {"5"}}},
		{name: "long number then short number", in: `{"a":1e20}` + "\n" + `{"a":-0.0}` + "\n", want: [][]string{{"100000000000000000000"}, {"0"}}},
		{name: "number then null", in: `{"a":1.50}` + "\n" + `{"a":null}` + "\n", want: [][]string{{"1.5"}, {null}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(connectors.Options{Path: writeFile(t, tc.in), Keep: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			vals, _, err := readAll(t, s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(vals, tc.want) {
				t.Errorf("values = %q, want %q", vals, tc.want)
			}
		})
	}
}

// FuzzCanonicalNumber checks canonicalNumber on every valid JSON number literal: it never
// panics; the output has no exponent and is canonical (idempotent, no superfluous zeros, no
// "-0"), denotes exactly the literal's value, and agrees with strconv.ParseFloat of the
// literal where that fits float64 comfortably; or, past the digit bound, it is the literal
// itself and the literal's exponent is what put it there.
func FuzzCanonicalNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "-0.0e5", "100", "2400.0", "1.021e4", "2.4e3", "1e21", "1.5e-3",
		"-1.50", "0.000", "1E+2", "123.456e1", "12345678901234567890", "1e400", "4.9e-324", "0.00123e-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		if lit == "" || number([]byte(lit), 0) != len(lit) {
			canonicalNumber(nil, []byte(lit)) // must not panic on anything
			return
		}
		out, ok := canonicalNumber(nil, []byte(lit))
		if !ok {
			if string(out) != lit {
				t.Fatalf("%q: not canonicalised but output %q is not the literal", lit, out)
			}
			e := strings.IndexAny(lit, "eE")
			if e < 0 {
				t.Fatalf("%q: literal without exponent left as is", lit)
			}
			exp, err := strconv.ParseInt(strings.TrimPrefix(lit[e+1:], "+"), 10, 64)
			// The plain form has at most len(lit)+|exp| digits.
			if err == nil && max(exp, -exp) <= int64(maxPlainDigits-len(lit)) {
				t.Fatalf("%q: exponent %d cannot exceed the bound", lit, exp)
			}
			return
		}
		s := string(out)
		if strings.ContainsAny(s, "eE+") {
			t.Fatalf("%q → %q holds an exponent or plus", lit, s)
		}
		if len(s) > max(maxPlainDigits, len(lit))+2 {
			t.Fatalf("%q → %d characters, over the bound", lit, len(s))
		}
		digits := strings.TrimPrefix(s, "-")
		intPart, frac, hasPoint := strings.Cut(digits, ".")
		switch {
		case s == "-0" || strings.HasPrefix(s, "-0") && !hasPoint:
			t.Fatalf("%q → %q: signed zero", lit, s)
		case len(intPart) == 0 || len(intPart) > 1 && intPart[0] == '0':
			t.Fatalf("%q → %q: bad integer part", lit, s)
		case hasPoint && (frac == "" || strings.HasSuffix(frac, "0")):
			t.Fatalf("%q → %q: trailing zero or point", lit, s)
		case s != "0" && strings.Trim(digits, "0.") == "":
			t.Fatalf("%q → %q: zero not written 0", lit, s)
		}
		if again, _ := canonicalNumber(nil, out); string(again) != s {
			t.Fatalf("%q → %q → %q: not idempotent", lit, s, again)
		}
		// Exact value, via math/big (bounded: the exponent made at most ~maxPlainDigits digits).
		var a, b big.Rat
		if _, okA := a.SetString(lit); okA {
			if _, okB := b.SetString(s); !okB || a.Cmp(&b) != 0 {
				t.Fatalf("%q → %q: value changed", lit, s)
			}
		}
		want, err := strconv.ParseFloat(lit, 64)
		if err != nil || want != 0 && (math.Abs(want) < 1e-300 || math.Abs(want) > 1e300) {
			return
		}
		got, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q → %q: ParseFloat: %v", lit, s, err)
		}
		if math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Fatalf("%q → %q: %v, want %v", lit, s, got, want)
		}
	})
}
