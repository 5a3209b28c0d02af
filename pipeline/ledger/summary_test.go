package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	es := []Entry{
		entryIn("daycare", "r1", "Vaka", "2025", 1, 4),
		entryIn("daycare", "r2", "Vaka", "2026", 1, 4),
		entryIn("fees", "r1", "Vaka", "2026", 0.5, 3), // a lower limit recorded later applies
		entryIn("daycare", "r3", "Vaka", "2026", 0.1, 4),
		entryIn("school", "r1", "Koulu", "2026-Q4", 2, 2.5),
	}
	vaka2025 := PeriodSummary{Period: "2025", Releases: 1, Spent: 1, Limit: 4, Remaining: 3}
	koulu := RegisterSummary{Register: "Koulu", Periods: []PeriodSummary{{Period: "2026-Q4", Releases: 1, Spent: 2, Limit: 2.5, Remaining: 0.5}},
		Lifetime: Lifetime{Releases: 1, Spent: 2}}
	cases := []struct {
		name, register, job string
		want                []RegisterSummary
	}{
		{"all", "", "", []RegisterSummary{koulu, {Register: "Vaka", Periods: []PeriodSummary{
			vaka2025, {Period: "2026", Releases: 3, Spent: 1.6, Limit: 3, Remaining: 1.4}},
			Lifetime: Lifetime{Releases: 4, Spent: 2.6}}}},
		{"register filter", "Koulu", "", []RegisterSummary{koulu}},
		{"job filter: its releases, the register's remaining", "", "fees", []RegisterSummary{{Register: "Vaka", Periods: []PeriodSummary{
			{Period: "2026", Releases: 1, Spent: 0.5, Limit: 3, Remaining: 1.4}}, Lifetime: Lifetime{Releases: 1, Spent: 0.5}}}},
		{"both filters", "Vaka", "daycare", []RegisterSummary{{Register: "Vaka", Periods: []PeriodSummary{
			vaka2025, {Period: "2026", Releases: 2, Spent: 1.1, Limit: 3, Remaining: 1.4}}, Lifetime: Lifetime{Releases: 3, Spent: 2.1}}}},
		{"unknown register", "Nope", "", []RegisterSummary{}},
		{"unknown job", "", "nope", []RegisterSummary{}},
	}
	l := &Ledger{Entries: es, Head: strings.Repeat("a", 64), Lines: 5}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(l, c.register, c.job)
			if !reflect.DeepEqual(s.Registers, c.want) {
				t.Errorf("got  %+v\nwant %+v", s.Registers, c.want)
			}
			want := ChainStatus{Intact: true, Entries: 5, Head: strings.Repeat("a", 64)}
			if s.Chain != want {
				t.Errorf("chain %+v, want %+v", s.Chain, want)
			}
		})
	}
}

func TestSummaryOutput(t *testing.T) {
	path := writeLedger(t, entryIn("a", "r1", "Vaka", "2026", 1, 4), entryIn("a", "r2", "Vaka", "2026", 0.5, 4))
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	head := l.Head

	var text, js bytes.Buffer
	s := Summarize(l, "", "")
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	wantText := "REGISTER  PERIOD    RELEASES  SPENT  LIMIT  REMAINING\n" +
		"Vaka      2026      2         1.5    4      2.5\n" +
		"Vaka      lifetime  2         1.5    -      -\n" +
		"\nchain: intact, 2 entries, head " + head + "\n"
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}
	if err := s.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"registers":[{"register":"Vaka","periods":[{"period":"2026","releases":2,"spent":1.5,"limit":4,"remaining":2.5}],"lifetime":{"releases":2,"spent":1.5}}],"chain":{"intact":true,"entries":2,"head":"` + head + `","torn_tail":false}}` + "\n"
	if js.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), wantJSON)
	}

	// Break the chain: drop the first line. What can be read is still summarised.
	data, _ := os.ReadFile(path)
	broken := filepath.Join(t.TempDir(), "ledger.jsonl")
	os.WriteFile(broken, data[bytes.IndexByte(data, '\n')+1:], 0o600)
	l, _ = Read(broken)
	s = Summarize(l, "", "")
	text.Reset()
	s.WriteText(&text)
	if !strings.Contains(text.String(), "Vaka      2026      1         0.5    4      3.5\n") ||
		!strings.Contains(text.String(), "chain: BROKEN at line 1: ledger "+broken+" line 1: the first line's prev_sha256 must be empty: ledger hash chain broken\n") {
		t.Errorf("broken text:\n%s", text.String())
	}
	js.Reset()
	s.WriteJSON(&js)
	var got struct{ Chain map[string]any }
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Chain["intact"] != false || got.Chain["line"] != 1.0 || got.Chain["entries"] != 1.0 || got.Chain["error"] == nil {
		t.Errorf("broken chain json: %v", got.Chain)
	}

	// Empty ledger, torn tail.
	empty := filepath.Join(t.TempDir(), "ledger.jsonl")
	os.WriteFile(empty, []byte(`{"job":`), 0o600)
	l, err = Read(empty)
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	Summarize(l, "", "").WriteText(&text)
	wantText = "no releases\n\nchain: intact, empty ledger\nnote: the last line is incomplete (a run was killed while appending); it was never committed and the next run removes it\n"
	if text.String() != wantText {
		t.Errorf("empty text:\n%q\nwant\n%q", text.String(), wantText)
	}
	js.Reset()
	Summarize(l, "", "").WriteJSON(&js)
	if want := `{"registers":[],"chain":{"intact":true,"entries":0,"head":"","torn_tail":true}}` + "\n"; js.String() != want {
		t.Errorf("empty json %s, want %s", js.String(), want)
	}
}
