package anonymize

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func hetuKey(b []byte) (uint64, error) {
	p, err := ParseHETU(b)
	return p.Key, err
}

func mustHETUKey(t *testing.T, code string) uint64 {
	t.Helper()
	k, err := hetuKey([]byte(code))
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return k
}

func TestParseWithdrawn(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		codes []string // the persons expected in the set
	}{
		{"empty", "", nil},
		{"one", "131052-308T\n", []string{"131052-308T"}},
		{"no final newline", "131052-308T", []string{"131052-308T"}},
		{"crlf", "131052-308T\r\n010594Y9021\r\n", []string{"131052-308T", "010594Y9021"}},
		{"bom", "\uFEFF131052-308T\n", []string{"131052-308T"}},
		{"bom and crlf", "\uFEFF131052-308T\r\n010594Y9021", []string{"131052-308T", "010594Y9021"}},
		{"blanks around", "  131052-308T\t\n\u00a0010594Y9021 \r\n", []string{"131052-308T", "010594Y9021"}},
		{"lower case", "050594u903m\n", []string{"050594U903M"}},
		{"blank lines", "\n\n  \n131052-308T\n\t\n\r\n", []string{"131052-308T"}},
		{"comments", "# withdrawn 2025\n  # indented comment\n131052-308T\n#010594Y9021\n", []string{"131052-308T"}},
		{"duplicates", "131052-308T\n131052-308T\n 131052-308t\n", []string{"131052-308T"}},
		{"only comments", "# nothing yet\n", nil},
		{"signs are persons", "150780-123X\n150780Y123X\n", []string{"150780-123X", "150780Y123X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWithdrawn(strings.NewReader(tt.in), hetuKey)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got == nil {
				t.Fatal("nil set")
			}
			want := map[uint64]struct{}{}
			for _, c := range tt.codes {
				want[mustHETUKey(t, c)] = struct{}{}
			}
			if !maps.Equal(got, want) {
				t.Errorf("got keys %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		})
	}
}

func TestParseWithdrawnErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		err  error
	}{
		{"bad check char", "131052-308U\n", 1, ErrPersonID},
		{"after comments and blanks", "# list\n\n131052-308T\n  \n131052-308X\n", 5, ErrPersonID},
		{"crlf and bom", "\uFEFF# list\r\n131052-308T\r\n\r\nnot-an-id\r\n", 4, ErrPersonID},
		{"last line without newline", "131052-308T\n010594Y9022", 2, ErrPersonID},
		{"inline comment is not a comment", "131052-308T # moved away\n", 1, ErrPersonID},
		{"bom on a later line", "131052-308T\n\uFEFF010594Y9021\n", 2, ErrPersonID},
		{"two ids on a line", "131052-308T 010594Y9021\n", 1, ErrPersonID},
		{"invalid utf-8 id", "131052-308T\n\xff\xfe\n", 2, ErrInvalidUTF8},
		{"invalid utf-8 in a comment", "# caf\xe9\n131052-308T\n", 1, ErrInvalidUTF8},
		{"windows-1252 nbsp", "\xa0131052-308T\n", 1, ErrInvalidUTF8},
		{"lone CR is not a line end", "131052-308T\r010594Y9021\r", 1, ErrPersonID},
		{"line too long", "131052-308T\n" + strings.Repeat("1", 2<<20) + "\n", 2, ErrPersonID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseWithdrawn(strings.NewReader(tt.in), hetuKey)
			if set != nil {
				t.Errorf("set %v returned with an error", set)
			}
			var we *WithdrawnError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want *WithdrawnError", err)
			}
			if we.Line != tt.line || we.Err != tt.err || !errors.Is(err, tt.err) {
				t.Errorf("got line %d err %v, want line %d err %v", we.Line, we.Err, tt.line, tt.err)
			}
			if want := fmt.Sprintf("withdrawn list line %d: %v", tt.line, tt.err); err.Error() != want {
				t.Errorf("message %q, want %q", err, want)
			}
		})
	}
}

func TestParseWithdrawnAnyIDs(t *testing.T) {
	seed := maphash.MakeSeed()
	parse := func(b []byte) (uint64, error) { return AnyPersonKey(seed, b) }
	got, err := ParseWithdrawn(strings.NewReader("\uFEFFasiakas-17\r\n  asiakas-18 \n# asiakas-19\n"), parse)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]struct{}{}
	for _, id := range []string{"asiakas-17", "asiakas-18"} {
		k, _ := AnyPersonKey(seed, []byte(id))
		want[k] = struct{}{}
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %d keys, want the 2 ids", len(got))
	}
}

func TestParseWithdrawnReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("131052-308T\n"), iotest.ErrReader(boom))
	_, err := ParseWithdrawn(r, hetuKey)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the read error", err)
	}
	var we *WithdrawnError
	if errors.As(err, &we) {
		t.Errorf("read error reported as line %d", we.Line)
	}
}

func FuzzParseWithdrawn(f *testing.F) {
	for _, s := range []string{
		"131052-308T\n",
		"\uFEFF# list\r\n131052-308T\r\n\r\n010594Y9021\r\n",
		"  050594u903m \n#x\n\n",
		"131052-308U\n",
		"# caf\xe9\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		set, err := ParseWithdrawn(strings.NewReader(string(in)), hetuKey)
		if err == nil {
			if set == nil {
				t.Fatal("nil set without error")
			}
			return
		}
		var we *WithdrawnError
		if !errors.As(err, &we) {
			t.Fatalf("err %v is not a *WithdrawnError", err)
		}
		if we.Err != ErrPersonID && we.Err != ErrInvalidUTF8 {
			t.Fatalf("reason %v is not a sentinel", we.Err)
		}
		if lines := strings.Count(string(in), "\n") + 1; we.Line < 1 || we.Line > lines {
			t.Fatalf("line %d of %d", we.Line, lines)
		}
		// The message is fixed text around the line number: nothing of the input.
		if want := fmt.Sprintf("withdrawn list line %d: %v", we.Line, we.Err); err.Error() != want {
			t.Fatalf("message %q, want %q", err, want)
		}
		// (An input without a newline, the only kind a one-line message can contain, fails
		// on line 1, so the fixed text to tolerate is the line-1 message.)
		assertNoLeak(t, err, in, fmt.Sprintf("withdrawn list line 1: %v", we.Err))
	})
}
