package anonymize

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizeDimension(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Kastanja", "Kastanja"},
		{"trim ascii", " \tKastanja\r\n", "Kastanja"},
		{"trim nbsp", "\u00a0Solbacka\u00a0", "Solbacka"},
		{"trim narrow nbsp and ideographic space", "\u202fSolbacka\u3000", "Solbacka"},
		{"inner blanks kept", " Pikku  Myy ", "Pikku  Myy"},
		{"nfc composes", "a\u0308", "ä"},
		{"nfc composes capital", "Ha\u0308meenlinna", "Hämeenlinna"},
		{"nfc composes ring", "A\u030aland", "Åland"},
		{"already nfc", "Jyväskylä", "Jyväskylä"},
		{"nfc after trim", " o\u0308 ", "ö"},
		{"nfc reorders marks", "a\u0323\u0302", "\u1ead"},
		{"empty", "", Missing},
		{"blank", " \u00a0\t", Missing},
		{"digits kept", "00100", "00100"},
		{"zero width space is not space", "\u200b", "\u200b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeDimension([]byte(tt.in)); got != tt.want {
				t.Errorf("NormalizeDimension = %q, want %q", got, tt.want)
			}
			if got := string(AppendDimension([]byte("prefix:"), []byte(tt.in))); got != "prefix:"+tt.want {
				t.Errorf("AppendDimension = %q, want %q", got, "prefix:"+tt.want)
			}
		})
	}
}

func TestNormalizeDimensionAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, in := range []string{"  Kastanja ", "Jyväskylä", "Ha\u0308meenlinna", ""} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _ = AppendDimension(buf[:0], b) }); n != 0 {
			t.Errorf("AppendDimension %q: %d allocations", in, int(n))
		}
	}
	for _, tt := range []struct {
		in  string
		max float64
	}{{"  Kastanja ", 1}, {"Jyväskylä", 1}, {"", 0}} {
		b := []byte(tt.in)
		if n := testing.AllocsPerRun(100, func() { _ = NormalizeDimension(b) }); n > tt.max {
			t.Errorf("NormalizeDimension %q: %d allocations, want ≤ %v", tt.in, int(n), tt.max)
		}
	}
}

func BenchmarkNormalizeDimension(b *testing.B) {
	for _, tt := range []struct{ name, in string }{{"ascii", " Kastanja "}, {"nfc", "Jyväskylä"}, {"nfd", "Ha\u0308meenlinna"}} {
		in := []byte(tt.in)
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = NormalizeDimension(in)
			}
		})
		b.Run(tt.name+"/append", func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendDimension(buf[:0], in)
			}
		})
	}
}

func TestPadDigits(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"pads", "100", 5, "00100"},
		{"pads one", "7", 2, "07"},
		{"exact width", "00100", 5, "00100"},
		{"longer kept", "123456", 5, "123456"},
		{"letters kept", "A100", 5, "A100"},
		{"space kept", "1 00", 5, "1 00"},
		{"sign kept", "-10", 5, "-10"},
		{"decimal kept", "1.5", 5, "1.5"},
		{"empty kept", "", 5, ""},
		{"missing kept", Missing, 12, Missing},
		{"no width", "100", 0, "100"},
		{"arabic-indic digits kept", "\u0661\u0662", 5, "\u0661\u0662"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PadDigits(tt.in, tt.width); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"ascii", "00100", 3, "001"},
		{"runes not bytes", "Äänekoski", 3, "Ään"},
		{"multi-byte all", "ääää", 2, "ää"},
		{"shorter kept", "ab", 3, "ab"},
		{"exact kept", "abc", 3, "abc"},
		{"bytes more than n runes not", "äää", 3, "äää"},
		{"missing never truncated", Missing, 3, Missing},
		{"zero is no truncation", "abc", 0, "abc"},
		{"one", "€uro", 1, "€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.in, tt.n); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"trailing zero", 3.50, "3.5"},
		{"whole", 42, "42"},
		{"big", 1e21, "1000000000000000000000"},
		{"small", 0.000001, "0.000001"},
		{"negative", -2.25, "-2.25"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"zero", 0, "0"},
		{"shortest", 0.1, "0.1"},
		{"postal code", 100, "100"},
		{"NaN", math.NaN(), Missing},
		{"Inf", math.Inf(1), "Inf"},
		{"-Inf", math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatNumber(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	tests32 := []struct {
		name string
		in   float32
		want string
	}{
		{"0.1", 0.1, "0.1"},
		{"3.5", 3.5, "3.5"},
		{"big", 1e20, "100000000000000000000"},
		{"negative zero", float32(math.Copysign(0, -1)), "0"},
	}
	for _, tt := range tests32 {
		t.Run("32/"+tt.name, func(t *testing.T) {
			if got := FormatNumber32(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAppendDimensionMatchesNorm checks the allocation-free NFC path against the library's
// own norm.NFC.String on random strings rich in combining marks and Hangul jamo.
func TestAppendDimensionMatchesNorm(t *testing.T) {
	alphabet := []rune{'a', 'A', 'o', ' ', 'ä', '\u0308', '\u0301', '\u0323', '\u0302', '\u030a',
		'\u1100', '\u1161', '\u11a8', '가', 'Å', '\u212b', '\u00a0', 'é', '\u0345', '\u0f73'}
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 0, 64)
	for i := 0; i < 20000; i++ {
		rs := make([]rune, r.IntN(12))
		for j := range rs {
			rs[j] = alphabet[r.IntN(len(alphabet))]
		}
		in := string(rs)
		want := norm.NFC.String(strings.TrimFunc(in, unicode.IsSpace))
		if want == "" {
			want = Missing
		}
		if got := string(AppendDimension(buf[:0], []byte(in))); got != want {
			t.Fatalf("%+q: got %+q, want %+q", in, got, want)
		}
		if got := NormalizeDimension([]byte(in)); got != want {
			t.Fatalf("NormalizeDimension %+q: got %+q, want %+q", in, got, want)
		}
	}
}
