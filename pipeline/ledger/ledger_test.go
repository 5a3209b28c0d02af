package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// reportSHA is a well-formed report_sha256.
const reportSHA = "b6c5c5fa5c1bd6e4d8a8dbc2fd4e5f9b4e36f3b1b1a0b2b7b6f4f0f6e8d4c2a1"

func entry(job, release string, eps float64) Entry {
	return Entry{
		Job: job, Register: "Varhaiskasvatusrekisteri", Release: release, Period: "2026",
		Epsilon: eps, Delta: 1e-6, EpsilonPerPeriod: 4, At: "2026-11-24T10:00:00+02:00",
		ReportSHA256: reportSHA, OutputDir: "/srv/out/" + job + "/" + release,
		Input: Input{Type: "csv", SHA256: reportSHA, RowsRead: 120, RowsRejected: 1, RowsExcludedConsent: 2, RowsOutsidePublicValues: 3},
	}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeLedger appends es to a new ledger in a fresh directory and returns its path.
func writeLedger(t *testing.T, es ...Entry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "var", "ledger.jsonl")
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(data, []byte("\n"))
}

func TestReadMissingFileIsEmpty(t *testing.T) {
	l, err := Read(filepath.Join(t.TempDir(), "nope.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 0 || l.Head != "" || l.Torn || l.Broken != nil || l.Lines != 0 {
		t.Fatalf("got %+v, want an empty ledger", l)
	}
}

func TestAppendWritesChainedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "sub", "ledger.jsonl")
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	es := []Entry{entry("a", "r1", 1), entry("b", "r1", 0.5), entry("a", "r2", 1e-7)}
	var heads []string
	for _, e := range es {
		e.PrevSHA256 = "ignored: Append sets it"
		h, err := l.Append(e)
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, h)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.Split(string(data), "\n")
	if len(raw) != 4 || raw[3] != "" {
		t.Fatalf("file has %d parts, want 3 lines and a final newline", len(raw))
	}
	wantFirst := `{"job":"a","register":"Varhaiskasvatusrekisteri","release":"r1","period":"2026","epsilon":1,"delta":0.000001,"epsilon_per_period":4,"at":"2026-11-24T10:00:00+02:00","report_sha256":"` + reportSHA + `","output_dir":"/srv/out/a/r1","input":{"type":"csv","sha256":"` + reportSHA + `","rows_read":120,"rows_rejected":1,"rows_excluded_consent":2,"rows_outside_public_values":3},"prev_sha256":""}`
	if raw[0] != wantFirst {
		t.Errorf("first line:\n got %s\nwant %s", raw[0], wantFirst)
	}
	if !strings.Contains(raw[2], `"epsilon":1e-7,`) {
		t.Errorf("third line does not encode epsilon 1e-7 in shortest form: %s", raw[2])
	}
	for i := range 3 {
		if heads[i] != hashHex([]byte(raw[i])) {
			t.Errorf("head %d = %s, want sha256 of line %d", i, heads[i], i+1)
		}
		if i > 0 && !strings.HasSuffix(raw[i], `"prev_sha256":"`+heads[i-1]+`"}`) {
			t.Errorf("line %d does not chain to line %d", i+1, i)
		}
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("ledger mode %o, want 600", st.Mode().Perm())
	}
	st, _ = os.Stat(filepath.Dir(path))
	if st.Mode().Perm() != 0o700 {
		t.Errorf("ledger directory mode %o, want 700", st.Mode().Perm())
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Head != heads[2] || back.Lines != 3 || back.Torn {
		t.Errorf("read back head %s lines %d torn %v", back.Head, back.Lines, back.Torn)
	}
	if !reflect.DeepEqual(back.Entries, l.Entries) {
		t.Errorf("read back entries differ from appended:\n got %+v\nwant %+v", back.Entries, l.Entries)
	}
	if back.Entries[1].PrevSHA256 != heads[0] || back.Entries[0].PrevSHA256 != "" {
		t.Errorf("prev_sha256 not set by Append")
	}
}

func TestReadDetectsTampering(t *testing.T) {
	path := writeLedger(t, entry("a", "r1", 1), entry("a", "r2", 1), entry("a", "r3", 1))
	good := lines(t, path) // 3 lines and a trailing ""
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	edited := bytes.Replace(good[1], []byte(`"epsilon":1,`), []byte(`"epsilon":0.5,`), 1)
	secret := []byte("{\"job\":\"010101-123N Matti\"\n")
	firstWithPrev := bytes.Replace(good[0], []byte(`"prev_sha256":""`), []byte(`"prev_sha256":"`+strings.Repeat("0", 64)+`"`), 1)

	cases := []struct {
		name      string
		data      []byte
		sentinel  error // nil: intact
		line      int
		malformed bool
		entries   int
		lines     int
		torn      bool
	}{
		{"intact", join(good...), nil, 0, false, 3, 3, false},
		{"empty file", nil, nil, 0, false, 0, 0, false},
		{"last line removed (detected by the report, not the chain)", join(good[0], good[1]), nil, 0, false, 2, 2, false},
		{"middle line edited", join(good[0], edited, good[2]), ErrBrokenChain, 3, false, 3, 3, false},
		{"middle line removed", join(good[0], good[2]), ErrBrokenChain, 2, false, 2, 2, false},
		{"first line removed", join(good[1], good[2]), ErrBrokenChain, 1, false, 2, 2, false},
		{"lines swapped", join(good[0], good[2], good[1]), ErrBrokenChain, 2, false, 3, 3, false},
		{"first line with a prev hash", join(firstWithPrev, good[1], good[2]), ErrBrokenChain, 1, false, 3, 3, false},
		{"garbage line", join(good[0], secret, good[1]), ErrMalformed, 2, true, 2, 3, false},
		{"blank line", join(good[0], []byte("\n"), good[1]), ErrMalformed, 2, true, 2, 3, false},
		{"torn tail is ignored", join(good[0], good[1], good[2][:40]), nil, 0, false, 2, 2, true},
		{"torn tail missing only its newline", join(good[0], good[1], bytes.TrimSuffix(good[2], []byte("\n"))), nil, 0, false, 2, 2, true},
		{"unknown field", join([]byte(`{"job":"a","extra":1}` + "\n")), ErrMalformed, 1, true, 0, 1, false},
		{"JSON array", []byte("[1,2]\n"), ErrMalformed, 1, true, 0, 1, false},
		{"two objects on a line", join(bytes.TrimSuffix(good[0], []byte("\n")), good[0]), ErrMalformed, 1, true, 0, 1, false},
		{"negative epsilon", join(bytes.Replace(good[0], []byte(`"epsilon":1,`), []byte(`"epsilon":-1,`), 1)), ErrMalformed, 1, true, 0, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(p, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Read(p)
			if l == nil {
				t.Fatalf("nil ledger (err %v)", err)
			}
			if c.sentinel == nil {
				if err != nil || l.Broken != nil {
					t.Fatalf("unexpected error %v", err)
				}
			} else {
				if !errors.Is(err, c.sentinel) || !errors.Is(err, ErrBrokenChain) || err != l.Broken {
					t.Fatalf("err = %v, want %v (and ErrBrokenChain, recorded in Broken)", err, c.sentinel)
				}
				if errors.Is(err, ErrMalformed) != c.malformed {
					t.Errorf("malformed = %v, want %v", errors.Is(err, ErrMalformed), c.malformed)
				}
				var le *LineError
				if !errors.As(err, &le) || le.Line != c.line || le.Path != p {
					t.Fatalf("err %v: want a LineError for %s line %d", err, p, c.line)
				}
				if !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "Matti") || strings.Contains(err.Error(), "010101") {
					t.Errorf("message %q must name the file and quote nothing from the line", err)
				}
			}
			if len(l.Entries) != c.entries || l.Lines != c.lines || l.Torn != c.torn {
				t.Errorf("entries %d lines %d torn %v, want %d %d %v", len(l.Entries), l.Lines, l.Torn, c.entries, c.lines, c.torn)
			}
		})
	}
}

func TestReadUnreadable(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrUnreadable) {
		t.Errorf("directory: err = %v, want ErrUnreadable", err)
	}
	if _, err := Read(filepath.Join(dir, "x", "ledger.jsonl")); err != nil {
		t.Errorf("missing parent: err = %v, want an empty ledger", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(filepath.Join(file, "ledger.jsonl")); !errors.Is(err, ErrUnreadable) {
		t.Errorf("parent is a file: err = %v, want ErrUnreadable", err)
	}
	if os.Geteuid() != 0 {
		p := filepath.Join(dir, "locked.jsonl")
		if err := os.WriteFile(p, nil, 0o000); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); !errors.Is(err, ErrUnreadable) {
			t.Errorf("mode 000: err = %v, want ErrUnreadable", err)
		}
	}
}

func TestAppendTruncatesTornTail(t *testing.T) {
	path := writeLedger(t, entry("a", "r1", 1), entry("a", "r2", 1))
	before, _ := os.ReadFile(path)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte(`{"job":"a","register":"Var`))
	f.Close()
	l, err := Read(path)
	if err != nil || !l.Torn || len(l.Entries) != 2 {
		t.Fatalf("torn read: err %v torn %v entries %d", err, l.Torn, len(l.Entries))
	}
	head, err := l.Append(entry("a", "r3", 1))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.HasPrefix(after, before) || bytes.Count(after, []byte("\n")) != 3 || bytes.Contains(after, []byte(`"Var{`)) {
		t.Fatalf("torn tail not replaced cleanly:\n%s", after)
	}
	back, err := Read(path)
	if err != nil || back.Torn || len(back.Entries) != 3 || back.Head != head {
		t.Fatalf("after append: err %v torn %v entries %d head ok %v", err, back.Torn, len(back.Entries), back.Head == head)
	}
}

func TestAppendRefuses(t *testing.T) {
	nan := entry("a", "r9", math.NaN())
	neg := entry("a", "r9", -1)
	noJob := entry("", "r9", 1)
	badAt := entry("a", "r9", 1)
	badAt.At = "yesterday"
	badSHA := entry("a", "r9", 1)
	badSHA.ReportSHA256 = "ABC"
	cases := []struct {
		name     string
		prepare  func(t *testing.T, path string) // run after Read, before Append
		e        Entry
		sentinel error // nil: any error
	}{
		{"release already there", nil, entry("a", "r1", 1), ErrReleaseExists},
		{"NaN epsilon", nil, nan, nil},
		{"negative epsilon", nil, neg, nil},
		{"empty job", nil, noJob, nil},
		{"bad at", nil, badAt, nil},
		{"bad report sha", nil, badSHA, nil},
		{"file grew since read", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte("x"))
			f.Close()
		}, entry("a", "r9", 1), ErrChanged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeLedger(t, entry("a", "r1", 1))
			l, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.prepare != nil {
				c.prepare(t, path)
			}
			before, _ := os.ReadFile(path)
			_, err = l.Append(c.e)
			if err == nil || c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Fatalf("err = %v, want %v", err, c.sentinel)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) || len(l.Entries) != 1 {
				t.Errorf("a refused append changed the ledger")
			}
		})
	}
	t.Run("broken chain", func(t *testing.T) {
		path := writeLedger(t, entry("a", "r1", 1), entry("a", "r2", 1))
		ls := lines(t, path)
		os.WriteFile(path, ls[1], 0o600)
		l, err := Read(path)
		if !errors.Is(err, ErrBrokenChain) {
			t.Fatalf("err = %v", err)
		}
		if _, err := l.Append(entry("a", "r3", 1)); !errors.Is(err, ErrBrokenChain) {
			t.Fatalf("append to broken ledger: err = %v, want ErrBrokenChain", err)
		}
		if err := l.Check("a", "r3", "Varhaiskasvatusrekisteri", "2026", 1, 4); !errors.Is(err, ErrBrokenChain) {
			t.Fatalf("check on broken ledger: err = %v, want ErrBrokenChain", err)
		}
	})
}

func TestHasFind(t *testing.T) {
	l := &Ledger{Entries: []Entry{entry("a", "r1", 1), entry("b", "r2", 0.5)}}
	cases := []struct {
		job, release string
		want         bool
	}{
		{"a", "r1", true}, {"b", "r2", true}, {"a", "r2", false}, {"b", "r1", false}, {"", "", false},
	}
	for _, c := range cases {
		if got := l.Has(c.job, c.release); got != c.want {
			t.Errorf("Has(%q, %q) = %v, want %v", c.job, c.release, got, c.want)
		}
		e, ok := l.Find(c.job, c.release)
		if ok != c.want || ok && (e.Job != c.job || e.Release != c.release) {
			t.Errorf("Find(%q, %q) = %v, %v", c.job, c.release, e.Release, ok)
		}
	}
}
