package main

// No-leak property test (SPEC.md "What never happens"): over a register whose every
// identifier is unique and carries the marker "Zqx" (names, streets, phones, e-mails, notes)
// and whose HETUs are unique per person, every failure path we know — a bad header, a broken
// quote in each column, an invalid HETU in each position, bad dates, bad numbers, invalid
// bytes, a wrong field count, a bad withdrawn list, the budget exceeded, the lock held, bad
// config values — and good runs, dry runs, validate, inspect and scan, with text and JSON logs,
// must leave no identifier, no HETU (not even without its check character) and no injected
// raw cell value in stdout, stderr, any output, the report, the ledger or a temporary file.
//
// The check is exact (substring search, case-insensitive for the marker), so the test has no
// false alarms; failure messages give the case, the place and a length, never the value.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/connectors/parquetsink"
	"golang.org/x/text/encoding/charmap"
)

// leakRegister is a generated register: its lines (header first, without line ends) and the
// strings that must never appear anywhere.
type leakRegister struct {
	header    string
	rows      [][]string // fields of each data row
	forbidden []string   // HETUs and their first ten characters; the marker covers the rest
}

const leakMarker = "Zqx"

var leakUnits = []string{"Kastanja", "Solbacka", "Päiväkoti Mäntylä", "Daghemmet Solstrålen"}

// newLeakRegister makes rows rows of persons persons (born 2019–2024), every identifier unique.
func newLeakRegister(seed uint64, rows, persons int) *leakRegister {
	rng := rand.New(rand.NewPCG(seed, 3))
	reg := &leakRegister{header: "hetu;first_name;last_name;street;postal_code;unit;monthly_fee;hours;start_date;phone;email;notes"}
	seen := map[string]bool{}
	var hetus []string
	for len(hetus) < persons {
		birth := time.Date(2019+rng.IntN(6), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		h := synth.ValidHETU(rng, birth, rng.IntN(2) == 0)
		if !seen[h] {
			seen[h] = true
			hetus = append(hetus, h)
			reg.forbidden = append(reg.forbidden, h, h[:10])
		}
	}
	for i := range rows {
		p := i % persons
		reg.rows = append(reg.rows, []string{
			hetus[p],
			fmt.Sprintf("%sf%05d", leakMarker, i),
			fmt.Sprintf("%sl%05d", leakMarker, i),
			fmt.Sprintf("%ss%05dntie %d", leakMarker, i, 1+i%40),
			fmt.Sprintf("%03d%02d", 100+rng.IntN(6)*10, rng.IntN(100)),
			leakUnits[rng.IntN(len(leakUnits))],
			fmt.Sprintf("%d,%02d", rng.IntN(450), rng.IntN(100)),
			fmt.Sprintf("%d,%d", 10+rng.IntN(40), rng.IntN(10)),
			fmt.Sprintf("%d.%d.%d", 1+rng.IntN(28), 1+rng.IntN(12), 2019+rng.IntN(6)),
			fmt.Sprintf("+358 40 %s%05d", leakMarker, i),
			fmt.Sprintf("%se%05d@example.fi", strings.ToLower(leakMarker), i),
			fmt.Sprintf("%sn%05d vapaata tekstiä", leakMarker, i),
		})
	}
	return reg
}

// bytes renders the register as Windows-1252 with CRLF, after edit may change the rows.
func (reg *leakRegister) bytes(edit func(rows [][]string) [][]string) []byte {
	rows := make([][]string, len(reg.rows))
	for i, r := range reg.rows {
		rows[i] = append([]string(nil), r...)
	}
	if edit != nil {
		rows = edit(rows)
	}
	var b strings.Builder
	b.WriteString(reg.header + "\r\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ";") + "\r\n")
	}
	out, err := charmap.Windows1252.NewEncoder().String(b.String())
	if err != nil {
		panic(err)
	}
	return []byte(out)
}

// leakCase is one invocation: a register variant (nil: the clean one), an optional config edit,
// environment and arguments; want is the exit code.
type leakCase struct {
	name   string
	data   func(rows [][]string) [][]string
	raw    func(b []byte) []byte // edits of the encoded bytes, after data
	config func(s string) string
	env    []string
	args   []string // after the config; nil: run --release <case>
	want   int
	values []string // injected raw values that must not appear either
	phrase string   // what stderr must say, if set
}

func TestNoLeak(t *testing.T) {
	reg := newLeakRegister(*crashSeed+1, 3000, 1000)
	ex := newExample(t)
	jobs := filepath.Join(ex.tmp, "repo", "jobs")
	regs := filepath.Join(ex.tmp, "repo", "registers")
	tmpdir := filepath.Join(ex.tmp, "tmp") // TMPDIR of every run: scanned for leftovers
	os.MkdirAll(tmpdir, 0o700)
	baseConfig := readString(t, ex.config)
	writeString(t, filepath.Join(regs, "daycare.csv"), string(reg.bytes(nil)))
	withdrawn := filepath.Join(regs, "withdrawn.txt")
	writeString(t, withdrawn, "# withdrawn\n"+reg.rows[5][0]+"\n\n "+strings.ToLower(reg.rows[7][0])+" \r\n")

	setRow := func(row, col int, v string) func([][]string) [][]string {
		return func(rows [][]string) [][]string { rows[row][col] = v; return rows }
	}
	setMany := func(col int, f func(i int, v string) string) func([][]string) [][]string {
		return func(rows [][]string) [][]string {
			for i := 10; i < len(rows); i += 20 { // 5 %: above max_rejected_share
				rows[i][col] = f(i, rows[i][col])
			}
			return rows
		}
	}
	env := append(slicesClone(crashEnv), "TMPDIR="+tmpdir)
	var cases []leakCase
	add := func(c leakCase) { cases = append(cases, c) }

	add(leakCase{name: "good", want: 0})
	add(leakCase{name: "good-dry-run", args: []string{"run", "--dry-run"}, want: 0})
	add(leakCase{name: "validate", args: []string{"validate"}, want: 0})
	add(leakCase{name: "release-exists", args: []string{"run", "--release", "good"}, want: 3})
	// The good runs spent 0.02 of the 1000 the ledger records: 999.99 does not fit.
	add(leakCase{name: "budget-exceeded", env: []string{"STATEXPORT_PRIVACY_EPSILON=999.99"}, want: 3})
	add(leakCase{name: "lock-held", want: 4})
	// Headers.
	add(leakCase{name: "header-duplicate", raw: func(b []byte) []byte {
		return []byte(strings.Replace(string(b), ";unit;", ";hetu;", 1))
	}, want: 1})
	add(leakCase{name: "header-empty-name", raw: func(b []byte) []byte {
		return []byte(strings.Replace(string(b), ";notes\r\n", ";\r\n", 1))
	}, want: 1})
	// A headerless extract: the connector stops at the first configured column its "header"
	// lacks (exit 1). (SPEC wants exit 2 with a hint that the header looks missing; reported.)
	add(leakCase{name: "headerless", raw: func(b []byte) []byte {
		return b[strings.Index(string(b), "\r\n")+2:]
	}, want: -1})
	// A broken quote in each column, and a stray one inside a field.
	for col := range 12 {
		add(leakCase{name: fmt.Sprintf("quote-open-col%d", col), data: func(rows [][]string) [][]string {
			rows[100][col] = `"` + rows[100][col]
			return rows
		}, want: 1})
		add(leakCase{name: fmt.Sprintf("quote-inside-col%d", col), data: func(rows [][]string) [][]string {
			v := rows[200][col]
			rows[200][col] = v[:len(v)/2] + `"` + v[len(v)/2:]
			return rows
		}, want: -1}) // accepted or rejected: only the leak matters
	}
	// An invalid HETU in each position: one row (rejected, the run publishes), and many (fails).
	for pos := range 11 {
		bad := func(_ int, v string) string {
			b := []byte(v)
			switch {
			case pos == 6:
				b[pos] = '*' // no such century sign
			case b[pos] >= '0' && b[pos] <= '9':
				b[pos] = 'Q'
			default:
				b[pos] = '#'
			}
			return string(b)
		}
		add(leakCase{name: fmt.Sprintf("hetu-pos%d-one", pos), data: setMany(0, func(i int, v string) string {
			if i == 10 {
				return bad(i, v)
			}
			return v
		}), want: 0})
		add(leakCase{name: fmt.Sprintf("hetu-pos%d-many", pos), data: setMany(0, bad), want: 1})
	}
	add(leakCase{name: "hetu-truncated", data: setMany(0, func(_ int, v string) string { return v[:9] }), want: 1})
	add(leakCase{name: "hetu-empty", data: setMany(0, func(_ int, v string) string { return "" }), want: 1})
	// Dates and numbers.
	for k, d := range []string{"31.2.2024", "2024-13-01", "1.8.20245", "Zqxdate"} {
		add(leakCase{name: fmt.Sprintf("date-%d", k), data: setMany(8, func(int, string) string { return d }), want: 1, values: []string{d}})
	}
	for col, name := range map[int]string{6: "monthly_fee", 7: "hours"} {
		for k, v := range []string{"12,34,5", "1e9Zqx", "--7", "0x1F"} {
			add(leakCase{name: fmt.Sprintf("number-%s-%d", name, k), data: setMany(col, func(int, string) string { return v }), want: 1, values: []string{v}})
		}
	}
	// Encoding and shape.
	add(leakCase{name: "invalid-utf8", config: func(s string) string {
		return strings.Replace(s, "encoding: auto", "encoding: utf-8", 1)
	}, want: 1})
	add(leakCase{name: "extra-field", data: setRow(300, 11, "Zqxextra;Zqxfield"), want: 1})
	add(leakCase{name: "missing-field", data: func(rows [][]string) [][]string {
		rows[400] = rows[400][:11]
		return rows
	}, want: 1})
	// Withdrawn lists.
	for i, w := range []string{"Zqxnotanid\n", reg.rows[3][0][:10] + "Q\n", "# ok\n" + reg.rows[3][0] + "Zqx\n"} {
		add(leakCase{name: fmt.Sprintf("withdrawn-bad-%d", i), config: func(s string) string {
			writeString(t, filepath.Join(regs, fmt.Sprintf("withdrawn-%d.txt", i)), w)
			return strings.Replace(s, "registers/withdrawn.txt", fmt.Sprintf("registers/withdrawn-%d.txt", i), 1)
		}, want: 2, values: []string{reg.rows[3][0]}})
	}
	// Config values.
	add(leakCase{name: "config-bad-epsilon", env: []string{"STATEXPORT_PRIVACY_EPSILON=abc"}, want: 2})
	add(leakCase{name: "config-unknown-key", config: func(s string) string {
		return strings.Replace(s, "  min_persons: 5", "  min_persons: 5\n  min_person: 5", 1)
	}, want: 2})
	add(leakCase{name: "config-unlisted-column", config: func(s string) string {
		return strings.Replace(s, "  - {name: notes,       role: drop}\n", "", 1)
	}, want: 2})
	add(leakCase{name: "config-bad-width", config: func(s string) string {
		return strings.Replace(s, "width: 5", "width: -5", 1)
	}, want: 2})
	// The other commands over the register.
	add(leakCase{name: "scan", args: []string{"scan", filepath.Join(regs, "daycare.csv")}, want: 5})
	add(leakCase{name: "scan-json", args: []string{"scan", "--json", filepath.Join(regs, "daycare.csv")}, want: 5})
	add(leakCase{name: "inspect", args: []string{"inspect", filepath.Join(regs, "daycare.csv")}, want: 0})

	forbidden := append([]string(nil), reg.forbidden...)
	for i, c := range cases {
		cfgText := baseConfig
		if c.config != nil {
			cfgText = c.config(cfgText)
		}
		cfg := filepath.Join(jobs, fmt.Sprintf("case-%d.yaml", i))
		writeString(t, cfg, cfgText)
		caseEnv := append(slicesClone(env), c.env...)
		if c.data != nil || c.raw != nil {
			b := reg.bytes(c.data)
			if c.raw != nil {
				b = c.raw(b)
			}
			src := filepath.Join(regs, fmt.Sprintf("case-%d.csv", i))
			writeString(t, src, string(b))
			caseEnv = append(caseEnv, "STATEXPORT_SOURCE_PATH="+src)
		}
		for _, format := range []string{"text", "json"} {
			var args []string
			switch {
			case c.args == nil:
				args = []string{"run", "--config", cfg, "--release", c.name + "-" + format}
			case c.args[0] == "run" || c.args[0] == "validate":
				args = append(append(slicesClone(c.args), "--config", cfg), "--release", c.name+"-"+format)
				if c.args[0] == "validate" {
					args = []string{"validate", "--config", cfg}
				} else if len(c.args) > 1 && c.args[1] == "--release" {
					args = []string{"run", "--config", cfg, "--release", c.args[2] + "-" + format}
				}
			default:
				args = c.args
			}
			args = append([]string{"--log-format", format}, args...)
			var lk *flock.Flock
			if c.name == "lock-held" {
				lk = flock.New(ex.ledger + ".lock")
				if ok, err := lk.TryLock(); err != nil || !ok {
					t.Fatalf("cannot take the lock: %v", err)
				}
			}
			r := runBin(t, caseEnv, args...)
			if lk != nil {
				lk.Unlock()
			}
			if c.want >= 0 && r.code != c.want {
				t.Errorf("%s (%s logs): exit %d, want %d: %s", c.name, format, r.code, c.want, redact(lastLine(r.stderr), forbidden))
			}
			if c.phrase != "" && !strings.Contains(r.stderr, c.phrase) {
				t.Errorf("%s (%s logs): stderr does not say %q: %s", c.name, format, c.phrase, redact(lastLine(r.stderr), forbidden))
			}
			if where := findLeak(r.stdout+"\n"+r.stderr, append(forbidden, c.values...)); where != "" {
				t.Errorf("%s (%s logs): stdout/stderr hold %s", c.name, format, where)
			}
		}
	}
	// Every file the runs wrote: outputs, reports, the ledger, staging leftovers, TMPDIR.
	var all []string
	for _, c := range cases {
		all = append(all, c.values...)
	}
	files := 0
	_ = filepath.Walk(ex.tmp, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if fi.IsDir() {
			if path == filepath.Join(ex.tmp, "repo") {
				return filepath.SkipDir
			}
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		text := string(b)
		if strings.HasSuffix(path, ".parquet") {
			tb, meta, err := parquetsink.Read(path)
			if err != nil {
				t.Errorf("%s: unreadable parquet: %v", filepath.Base(path), err)
			}
			var sb strings.Builder
			for _, row := range tb.Rows {
				for _, v := range row {
					fmt.Fprintf(&sb, "%v\n", v)
				}
			}
			for k, v := range meta {
				sb.WriteString(k + "=" + v + "\n")
			}
			text += sb.String()
		}
		if where := findLeak(text, append(forbidden, all...)); where != "" {
			rel, _ := filepath.Rel(ex.tmp, path)
			t.Errorf("file %s holds %s", rel, where)
		}
		return nil
	})
	if files < 10 {
		t.Errorf("only %d files written: the good runs did not publish", files)
	}
	t.Logf("%d cases × 2 log formats, %d files checked; %d HETUs and every marked identifier searched", len(cases), files, len(reg.forbidden)/2)
}

// findLeak returns "" or where in text the first forbidden string (or the marker, in any case)
// is: its kind, byte offset and length, never the value.
func findLeak(text string, forbidden []string) string {
	if i := strings.Index(strings.ToLower(text), strings.ToLower(leakMarker)); i >= 0 {
		return fmt.Sprintf("a marked identifier at byte %d", i)
	}
	for _, f := range forbidden {
		if f == "" {
			continue
		}
		if i := strings.Index(text, f); i >= 0 {
			return fmt.Sprintf("a forbidden value (%d chars) at byte %d", len(f), i)
		}
	}
	return ""
}

// redact replaces forbidden strings and marked words in s, for failure messages.
func redact(s string, forbidden []string) string {
	for _, f := range forbidden {
		if f != "" {
			s = strings.ReplaceAll(s, f, "<redacted>")
		}
	}
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.Contains(strings.ToLower(w), strings.ToLower(leakMarker)) {
			w = "<redacted>"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}
