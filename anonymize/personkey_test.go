package anonymize

import (
	"hash/maphash"
	"testing"
)

func TestAnyPersonKey(t *testing.T) {
	seed := maphash.MakeSeed()
	key := func(s string) uint64 {
		k, err := AnyPersonKey(seed, []byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return k
	}
	tests := []struct {
		name  string
		a, b  string
		equal bool
	}{
		{"blanks trimmed", "abc", " \tabc\u00a0", true},
		{"case counts", "abc", "ABC", false},
		{"inner blanks count", "a bc", "abc", false},
		{"different ids", "id-1", "id-2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := key(tt.a) == key(tt.b); got != tt.equal {
				t.Errorf("keys equal = %v, want %v", got, tt.equal)
			}
		})
	}
	for _, in := range []string{"", " ", "\t\u00a0 "} {
		if _, err := AnyPersonKey(seed, []byte(in)); err != ErrPersonID {
			t.Errorf("%q: err = %v, want ErrPersonID", in, err)
		}
	}
	other := maphash.MakeSeed()
	if k, _ := AnyPersonKey(other, []byte("abc")); k == key("abc") {
		t.Error("two seeds gave the same key (probability 2⁻⁶⁴)")
	}
	b := []byte(" some-id ")
	if n := testing.AllocsPerRun(100, func() { _, _ = AnyPersonKey(seed, b) }); n != 0 {
		t.Errorf("%d allocations", int(n))
	}
}

func TestTrimIDBlanks(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "x", "x"},
		{"ascii", " \tx\t ", "x"},
		{"nbsp", "\u00a0x\u00a0", "x"},
		{"lone C2 kept", "\xc2x\xc2", "\xc2x\xc2"},
		{"inner kept", " a b ", "a b"},
		{"all blank", " \u00a0\t", ""},
		{"narrow nbsp not a blank", "\u202fx", "\u202fx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(trimIDBlanks([]byte(tt.in))); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
