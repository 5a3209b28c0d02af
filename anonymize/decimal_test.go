package anonymize

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		sep  byte
		want float64
		ok   bool
		err  error
	}{
		{name: "comma", in: "1234,50", sep: ',', want: 1234.5, ok: true},
		{name: "dot", in: "1234.50", sep: '.', want: 1234.5, ok: true},
		{name: "whole comma style", in: "42", sep: ',', want: 42, ok: true},
		{name: "whole dot style", in: "42", sep: '.', want: 42, ok: true},
		{name: "whole no style", in: "42", sep: 0, want: 42, ok: true},
		{name: "space group", in: "1 234,50", sep: ',', want: 1234.5, ok: true},
		{name: "nbsp group", in: "1\u00a0234\u00a0567,25", sep: ',', want: 1234567.25, ok: true},
		{name: "narrow nbsp group", in: "1\u202f234,5", sep: ',', want: 1234.5, ok: true},
		{name: "thin space group", in: "1\u2009234.5", sep: '.', want: 1234.5, ok: true},
		{name: "blanks around", in: " \t12,5\u00a0 ", sep: ',', want: 12.5, ok: true},
		{name: "minus", in: "-12,5", sep: ',', want: -12.5, ok: true},
		{name: "plus", in: "+12.5", sep: '.', want: 12.5, ok: true},
		{name: "minus then blank", in: "- 1 000", sep: ',', want: -1000, ok: true},
		{name: "leading separator", in: ",5", sep: ',', want: 0.5, ok: true},
		{name: "trailing separator", in: "5.", sep: '.', want: 5, ok: true},
		{name: "leading zeros", in: "007,010", sep: ',', want: 7.01, ok: true},
		{name: "small", in: "0.000123", sep: '.', want: 0.000123, ok: true},
		{name: "zero", in: "0", sep: '.', want: 0, ok: true},
		{name: "minus zero", in: "-0,00", sep: ',', want: 0, ok: true},
		{name: "trailing zeros", in: "1.5000000000000000000000000000", sep: '.', want: 1.5, ok: true},
		{name: "big whole", in: "100000000000000000000000000000", sep: '.', want: 1e29, ok: true},
		{name: "15 digits exact", in: "123456789012,345", sep: ',', want: 123456789012.345, ok: true},
		{name: "2^53", in: "9007199254740992", sep: '.', want: 9007199254740992, ok: true},
		{name: "20 digits", in: "12345678901234567890.5", sep: '.', want: 12345678901234567890.5, ok: true},
		{name: "0.1", in: "0,1", sep: ',', want: 0.1, ok: true},

		{name: "empty is missing", in: "", sep: ',', ok: false},
		{name: "blank is missing", in: " \u00a0\t", sep: ',', ok: false},

		{name: "other separator", in: "12.5", sep: ',', err: ErrNumber},
		{name: "other separator dot style", in: "12,5", sep: '.', err: ErrNumber},
		{name: "no style no separator", in: "12.5", sep: 0, err: ErrNumber},
		{name: "two separators", in: "1,234,5", sep: ',', err: ErrNumber},
		{name: "both separators", in: "1.234,5", sep: ',', err: ErrNumber},
		{name: "exponent", in: "1e5", sep: '.', err: ErrNumber},
		{name: "NaN", in: "NaN", sep: '.', err: ErrNumber},
		{name: "Inf", in: "Inf", sep: '.', err: ErrNumber},
		{name: "letters", in: "12 kpl", sep: ',', err: ErrNumber},
		{name: "currency", in: "12 €", sep: ',', err: ErrNumber},
		{name: "sign alone", in: "-", sep: ',', err: ErrNumber},
		{name: "separator alone", in: ",", sep: ',', err: ErrNumber},
		{name: "two signs", in: "--5", sep: ',', err: ErrNumber},
		{name: "sign after digit", in: "5-", sep: ',', err: ErrNumber},
		{name: "sign after separator", in: ",-5", sep: ',', err: ErrNumber},
		{name: "hex", in: "0x10", sep: '.', err: ErrNumber},
		{name: "unicode minus", in: "\u22125", sep: ',', err: ErrNumber},
		{name: "lone C2", in: "1\xc2", sep: ',', err: ErrNumber},
		{name: "too large", in: "1" + strings.Repeat("0", 400), sep: '.', err: ErrNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok, err := ParseDecimal([]byte(tt.in), tt.sep)
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if ok != tt.ok || v != tt.want || math.Signbit(v) != math.Signbit(tt.want) {
				t.Errorf("got %v, %v; want %v, %v", v, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestParseDecimalMatchesStrconv checks correct rounding on random numbers against
// strconv.ParseFloat, including the fast path's edges (2⁵³, 10²²) and the slow path.
func TestParseDecimalMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		intDigits, fracDigits := r.IntN(22), r.IntN(25)
		var s strings.Builder
		if r.IntN(2) == 0 {
			s.WriteByte('-')
		}
		for j := 0; j < intDigits; j++ {
			s.WriteByte(byte('0' + r.IntN(10)))
		}
		if fracDigits > 0 || intDigits == 0 {
			s.WriteByte('.')
			for j := 0; j < fracDigits || intDigits+j == 0; j++ {
				s.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		want, err := strconv.ParseFloat(s.String(), 64)
		if err != nil {
			t.Fatalf("strconv %q: %v", s.String(), err)
		}
		if want == 0 {
			want = 0
		}
		comma := strings.ReplaceAll(s.String(), ".", ",")
		got, ok, err := ParseDecimal([]byte(comma), ',')
		if err != nil || !ok || got != want || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("%q: got %v, %v, %v; want %v", comma, got, ok, err, want)
		}
	}
}

func TestDetectDecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want byte
	}{
		{"comma", "12,5", ','},
		{"dot", "12.5", '.'},
		{"grouped comma", "1 234,50", ','},
		{"nbsp grouped", "1\u00a0234.50", '.'},
		{"signed", "-0,5", ','},
		{"leading separator", ".5", '.'},
		{"whole", "1234", 0},
		{"grouped whole", "1 234", 0},
		{"empty", "", 0},
		{"blank", "  ", 0},
		{"separator alone", ",", 0},
		{"two separators", "1.234.567", 0},
		{"both separators", "1.234,5", 0},
		{"text", "v1.2", 0},
		{"date", "1.2.2024", 0},
		{"exponent", "1.5e3", 0},
		{"sign after digit", "1,5-", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectDecimal([]byte(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDecimalAllocs(t *testing.T) {
	for _, in := range []string{"1 234,50", "-0,001", "12345678901234,5", "x", ""} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _, _, _ = ParseDecimal(b, ',') }); n != 0 {
			t.Errorf("%q: %d allocations", in, int(n))
		}
		if n := testing.AllocsPerRun(100, func() { _ = DetectDecimal(b) }); n != 0 {
			t.Errorf("DetectDecimal %q: %d allocations", in, int(n))
		}
	}
}

func BenchmarkParseDecimal(b *testing.B) {
	for _, in := range []string{"1 234,50", "42", "123456,789"} {
		b.Run(in, func(b *testing.B) {
			v := []byte(in)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ParseDecimal(v, ','); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1 234,50", "-12.5", ",5", "1e5", "NaN", "1\u00a0234", ""} {
		f.Add([]byte(s), byte(','))
		f.Add([]byte(s), byte('.'))
	}
	f.Fuzz(func(t *testing.T, in []byte, sep byte) {
		v, ok, err := ParseDecimal(in, sep)
		if err != nil {
			if !errors.Is(err, ErrNumber) || err != ErrNumber || ok {
				t.Fatalf("error %v (ok %v) is not the sentinel", err, ok)
			}
			assertNoLeak(t, err, in, ErrNumber.Error())
			return
		}
		if !ok {
			if v != 0 {
				t.Fatalf("missing value %v", v)
			}
			return
		}
		// Oracle: strip blanks, turn sep into '.', and ask strconv.
		var clean []byte
		for i := 0; i < len(in); {
			if n := numberBlank(in[i:]); n > 0 {
				i += n
				continue
			}
			c := in[i]
			if c == sep && (sep == ',' || sep == '.') {
				c = '.'
			} else if c < '0' && c != '+' && c != '-' || c > '9' {
				t.Fatalf("accepted byte %q in %q", c, in)
			}
			clean = append(clean, c)
			i++
		}
		want, err := strconv.ParseFloat(string(clean), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("accepted %q as %v; strconv says %v", in, v, err)
		}
		if want == 0 {
			want = 0
		}
		if v != want || math.Signbit(v) != math.Signbit(want) {
			t.Fatalf("%q: %v, want %v", in, v, want)
		}
	})
}
