package ledger

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseLine checks that parseLine never panics, never quotes its input in a reason, and
// that every line it accepts re-encodes to a line it parses to the same entry. The seed corpus
// is in testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	good, _ := encodeLine(entry("a", "r1", 1))
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, reason := parseLine(line)
		if reason != "" {
			if e != (Entry{}) {
				t.Fatalf("rejected line returned an entry")
			}
			// A reason is built from fixed text, field names and numbers only.
			for _, r := range reason {
				if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _:,.()=<>[]-'", r) {
					t.Fatalf("reason %q holds an unexpected character", reason)
				}
			}
			return
		}
		again, err := encodeLine(e)
		if err != nil {
			t.Fatalf("accepted entry does not encode: %v", err)
		}
		if bytes.IndexByte(again, '\n') >= 0 {
			t.Fatalf("encoded line holds a newline")
		}
		e2, reason := parseLine(again)
		if reason != "" || !reflect.DeepEqual(e, e2) {
			t.Fatalf("round trip: %q, %+v != %+v", reason, e2, e)
		}
	})
}

// FuzzRead checks that parsing a whole file never panics and that its bookkeeping adds up.
func FuzzRead(f *testing.F) {
	good, _ := encodeLine(entry("a", "r1", 1))
	f.Add(append(append([]byte{}, good...), '\n'))
	f.Add([]byte("\n\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &Ledger{Path: "fuzz"}
		err := l.parse(data)
		if err != l.Broken {
			t.Fatalf("returned error differs from Broken")
		}
		if int64(len(data)) != l.size+l.tornLen || l.Torn != (l.tornLen > 0) {
			t.Fatalf("size %d + torn %d != %d", l.size, l.tornLen, len(data))
		}
		if l.Lines != bytes.Count(data, []byte("\n")) || len(l.Entries) > l.Lines {
			t.Fatalf("lines %d entries %d", l.Lines, len(l.Entries))
		}
		if l.Broken == nil && len(l.Entries) != l.Lines {
			t.Fatalf("intact ledger skipped a line")
		}
	})
}
