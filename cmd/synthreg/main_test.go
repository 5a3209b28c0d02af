package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statexport/statexport/cmd/synthreg/synth"
	"github.com/statexport/statexport/config"
)

const repoRoot = "../.."

// readmeArgs returns the arguments of the regeneration command in testdata/registers/README.md.
func readmeArgs(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "testdata/registers/README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "go run ./cmd/synthreg "); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatal("no `go run ./cmd/synthreg …` line in the README")
	return nil
}

// retarget replaces the values of -out and -withdrawn with files in dir and returns the
// original (committed) paths.
func retarget(args []string, dir string) (out, withdrawn string) {
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-out":
			out, args[i+1] = args[i+1], filepath.Join(dir, "out")
		case "-withdrawn":
			withdrawn, args[i+1] = args[i+1], filepath.Join(dir, "withdrawn")
		}
	}
	return out, withdrawn
}

func TestExampleReproducible(t *testing.T) {
	args := readmeArgs(t)
	dir := t.TempDir()
	out, withdrawn := retarget(args, dir)
	if out != "testdata/registers/daycare.csv" || withdrawn != "testdata/registers/withdrawn.txt" {
		t.Fatalf("README command writes %q and %q", out, withdrawn)
	}
	var stderr bytes.Buffer
	if code := run(args, &bytes.Buffer{}, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, f := range []struct{ got, want string }{{"out", out}, {"withdrawn", withdrawn}} {
		got, err := os.ReadFile(filepath.Join(dir, f.got))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, f.want))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the README command's output: regenerate it", f.want)
		}
	}
}

func ageBand(birth, at time.Time) string {
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || at.Month() == birth.Month() && at.Day() < birth.Day() {
		age--
	}
	switch {
	case age < 0:
		return "unknown"
	case age < 3:
		return "0-2"
	case age < 6:
		return "3-5"
	case age < 13:
		return "6-12"
	}
	return "13+"
}

// TestExampleSizing checks what README.md and daycare.yaml promise about the example: the
// rejected share, the withdrawn persons, and cells large enough to be released.
func TestExampleSizing(t *testing.T) {
	j, err := parse(readmeArgs(t), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	periodStart := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows, invalid, withdrawnRows int
	withdrawn := map[int]bool{}
	prefix := map[string]map[int]bool{}
	// cellsOf[person] is the set of unit × age band cells of the person's valid rows.
	cellsOf := map[int]map[string]bool{}
	err = synth.Generate(j.opt, func(r synth.Row) error {
		rows++
		if r.Truth.Withdrawn {
			withdrawnRows++
			withdrawn[r.Truth.Person] = true
			return nil
		}
		if r.Truth.InvalidID {
			invalid++
			return nil
		}
		p := "(missing)"
		if r.PostalCode != "" {
			p = (strings.Repeat("0", 5-len(r.PostalCode)) + r.PostalCode)[:3]
		}
		if prefix[p] == nil {
			prefix[p] = map[int]bool{}
		}
		prefix[p][r.Truth.Person] = true
		if cellsOf[r.Truth.Person] == nil {
			cellsOf[r.Truth.Person] = map[string]bool{}
		}
		cellsOf[r.Truth.Person][r.Unit+" × "+ageBand(r.Truth.Birth, periodStart)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The numbers README.md states.
	if rows != 6000 || invalid != 6 || len(withdrawn) != 6 || withdrawnRows != 19 {
		t.Errorf("rows %d, rejected %d, withdrawn persons %d with %d rows: want 6000, 6, 6, 19",
			rows, invalid, len(withdrawn), withdrawnRows)
	}
	// Each person has one postal code: the prefix cells are exact. The private threshold is
	// about 54 persons (Laplace b = 4, δ = 1e-6); 80 keeps a margin of 6.5 b.
	for _, p := range []string{"102", "101", "024", "103", "001", "005"} {
		if n := len(prefix[p]); n < 80 {
			t.Errorf("prefix %s: %d persons, want >= 80", p, n)
		}
	}
	if n := len(prefix["(missing)"]); n == 0 || n > 40 {
		t.Errorf("(missing) postal code: %d persons, want 1–40 (not released)", n)
	}
	if len(prefix) != 7 {
		t.Errorf("%d prefix cells, want 7", len(prefix))
	}
	// Bounding keeps one cell per person, chosen uniformly among the person's cells: a
	// person with k cells adds 1/k to each cell's expected persons. min_persons is 5 and
	// Laplace b = 6: an expected 20 persons is 2.5 b above it.
	expected := map[string]float64{}
	for _, cells := range cellsOf {
		for c := range cells {
			expected[c] += 1 / float64(len(cells))
		}
	}
	for _, u := range synth.Units() {
		for _, b := range []string{"0-2", "3-5", "6-12"} {
			if n := expected[u+" × "+b]; n < 20 {
				t.Errorf("cell %s × %s: %.1f persons expected, want >= 20", u, b, n)
			}
		}
	}
	if len(expected) != 3*len(synth.Units()) {
		t.Errorf("%d non-empty unit × age band cells, want %d", len(expected), 3*len(synth.Units()))
	}
}

// TestExampleJob loads testdata/jobs/daycare.yaml with the real loader and checks it matches
// the generated register.
func TestExampleJob(t *testing.T) {
	job, err := config.Load(filepath.Join(repoRoot, "testdata/jobs/daycare.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "testdata/registers/daycare.csv"); job.Source.Path != want {
		t.Errorf("source.path = %q, want %q", job.Source.Path, want)
	}
	if want := filepath.Join(root, "testdata/registers/withdrawn.txt"); job.Consent.Withdrawn != want {
		t.Errorf("consent.withdrawn = %q, want %q", job.Consent.Withdrawn, want)
	}
	if want := filepath.Join(root, "var/ledger.jsonl"); job.Budget.Ledger != want {
		t.Errorf("budget.ledger = %q, want %q", job.Budget.Ledger, want)
	}
	if want := filepath.Join(root, "out/daycare-enrolment/r1"); job.OutputDir("r1") != want {
		t.Errorf("output dir = %q, want %q", job.OutputDir("r1"), want)
	}
	var names []string
	for _, c := range job.Columns {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, synth.Columns()) {
		t.Errorf("columns %q, want %q", names, synth.Columns())
	}
	if len(job.Tables) != 2 || job.Tables[0].Partitions != config.PartitionsPublic {
		t.Fatalf("tables: %+v", job.Tables)
	}
	for _, pv := range job.Tables[0].PublicValues {
		var want []string
		switch pv.Column {
		case "unit":
			want = synth.Units()
		case "age_band":
			want = []string{"0-2", "3-5", "6-12", "13-17", "18-64", "65+"}
		}
		if !slices.Equal(pv.Values, want) {
			t.Errorf("public values of %s: %q, want %q", pv.Column, pv.Values, want)
		}
	}
}

func TestCLI(t *testing.T) {
	opt := synth.Options{Seed: 7, Rows: 40, Persons: 10, Withdrawn: 0.003}
	var wantCSV, wantJSONL bytes.Buffer
	if err := synth.WriteCSV(&wantCSV, opt, synth.DialectUTF8); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteJSONL(&wantJSONL, opt); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"csv to stdout", []string{"-rows", "40", "-persons", "10", "-seed", "7", "-dialect", "utf8"}, exitOK, wantCSV.String()},
		{"jsonl to stdout", []string{"-rows", "40", "-persons", "10", "-seed", "7", "-format", "jsonl", "-out", "-"}, exitOK, wantJSONL.String()},
		{"help", []string{"-h"}, exitOK, ""},
		{"unknown flag", []string{"-colour"}, exitUsage, ""},
		{"unknown format", []string{"-format", "xml"}, exitUsage, ""},
		{"unknown dialect", []string{"-dialect", "latin1"}, exitUsage, ""},
		{"more persons than rows", []string{"-rows", "5", "-persons", "6"}, exitUsage, ""},
		{"stray argument", []string{"-rows", "5", "extra"}, exitUsage, ""},
		{"unwritable output", []string{"-rows", "5", "-out", filepath.Join(dir, "missing", "x.csv")}, exitFail, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.stdout {
				t.Errorf("exit %d (want %d), stdout %d bytes (want %d); stderr %s", code, tc.code, stdout.Len(), len(tc.stdout), stderr.String())
			}
			if code == exitUsage && stderr.Len() == 0 {
				t.Errorf("usage error without a message")
			}
		})
	}
	// Files: both written, and equal to the library's output.
	out, wd := filepath.Join(dir, "r.csv"), filepath.Join(dir, "w.txt")
	if code := run([]string{"-rows", "40", "-persons", "10", "-seed", "7", "-dialect", "utf8", "-out", out, "-withdrawn", wd}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got, _ := os.ReadFile(out)
	var wantW bytes.Buffer
	opt.Withdrawn = 0.003
	synth.WriteWithdrawn(&wantW, opt)
	gotW, _ := os.ReadFile(wd)
	if !bytes.Equal(got, wantCSV.Bytes()) || !bytes.Equal(gotW, wantW.Bytes()) {
		t.Errorf("files differ from the library's output")
	}
}
