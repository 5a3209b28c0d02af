package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/pipeline/ledger"
	"github.com/statexport/statexport/pipeline/report"
)

// A fixture release, built in a temporary directory exactly as SPEC.md lays it out: two
// Parquet tables (one private, one public with a suppressed cell), report.html, a signed
// report.json, and a ledger holding an earlier release and this one. Every value is
// synthetic. ε = 1 over two tables with Laplace noise:
//
//	by_unit_age (private): persons ε 0.25, b = 1·1/0.25 = 4; monthly_fee_sum ε 0.25, b = 1·500/0.25 = 2000;
//	                       threshold k = 1 − 4·ln(2·10⁻⁶) = 53.49…, so 54 persons.
//	by_unit (public):      persons ε 0.25, b = 4; hours_p50 ε 0.25, hours_p90 ε 0 (shared), no scale.
type fixture struct {
	dir, reportPath, htmlPath, ledgerPath, pubPath string
	priv                                           ed25519.PrivateKey
}

// fixtureSpec is what a test case may change before the release is written.
type fixtureSpec struct {
	unsigned     bool
	priorEpsilon float64 // ε of the earlier release in the ledger
	eff          map[string]any
	tables       map[string]*parquetsink.Table
	footers      map[string]map[string]string
	rep          *report.Report
}

const (
	fxJob      = "daycare-enrolment"
	fxRelease  = "2026-11-24"
	fxRegister = "Varhaiskasvatusrekisteri"
	fxConfig   = "3b7e0c3f0b4d1e8a9c2f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f809"
)

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

func defaultSpec() *fixtureSpec {
	eff := map[string]any{
		"job":      fxJob,
		"register": map[string]any{"name": fxRegister, "controller": "Inkoon kunta", "contact": "varhaiskasvatusjohtaja"},
		"privacy": map[string]any{"epsilon": 1.0, "delta": 1e-6, "noise": "laplace", "max_partitions_per_person": 1.0,
			"max_rows_per_person_per_partition": 1.0, "min_persons": 5.0, "max_rejected_share": 0.01},
		"tables": []any{
			map[string]any{"name": "by_unit_age", "partitions": "private", "group_by": []any{"unit", "age_band"},
				"public_values": nil,
				"aggregates":    []any{"persons", map[string]any{"sum": "monthly_fee", "min": 0.0, "max": 500.0, "weight": 1.0}}},
			map[string]any{"name": "by_unit", "partitions": "public", "group_by": []any{"unit"},
				"public_values": []any{map[string]any{"column": "unit", "values": []any{"Kastanja", "Solbacka"}, "file": ""}},
				"aggregates":    []any{"persons", map[string]any{"quantiles": "hours", "min": 0.0, "max": 60.0, "weight": 1.0, "ranks": []any{0.5, 0.9}}}},
		},
	}
	f := parquetsink.Double
	tables := map[string]*parquetsink.Table{
		"by_unit_age": {
			Columns: []parquetsink.Column{{Name: "unit"}, {Name: "age_band"}, {Name: "persons", Type: parquetsink.Int64},
				{Name: "persons_ci95", Type: f}, {Name: "monthly_fee_sum", Type: f}, {Name: "monthly_fee_sum_ci95", Type: f}},
			Rows: [][]any{
				{"Kastanja", "3-5", int64(61), 11.98, 14250.5, 5991.46},
				{"Solbacka", "6-12", int64(72), 11.98, 20112.0, 5991.46},
			},
		},
		"by_unit": {
			Columns: []parquetsink.Column{{Name: "unit"}, {Name: "persons", Type: parquetsink.Int64}, {Name: "persons_ci95", Type: f},
				{Name: "hours_p50", Type: f}, {Name: "hours_p90", Type: f}, {Name: "suppressed", Type: parquetsink.Bool}},
			Rows: [][]any{
				{"Kastanja", int64(75), 11.98, 37.5, 45.0, false},
				{"Solbacka", nil, nil, nil, nil, true},
			},
		},
	}
	footers := map[string]map[string]string{}
	for name := range tables {
		footers[name] = map[string]string{"statexport.job": fxJob, "statexport.release": fxRelease,
			"statexport.epsilon": "0.5", "statexport.config_sha256": fxConfig}
	}
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "statexport", Version: "test"},
		Job:           fxJob, Release: fxRelease,
		StartedAt: "2026-11-24T09:00:00+02:00", FinishedAt: "2026-11-24T09:00:07+02:00",
		Register:       report.Register{Name: fxRegister, Controller: "Inkoon kunta", Contact: "varhaiskasvatusjohtaja"},
		ConfigSHA256:   fxConfig,
		OverriddenKeys: []string{},
		Input:          report.Input{Type: "csv"},
		Columns:        []report.Column{{Name: "hetu", Role: "person_id", Action: "dropped"}},
		Privacy:        report.Privacy{Epsilon: 1, Delta: 1e-6, Noise: "laplace", MaxPartitionsPerPerson: 1, MaxRowsPerPersonPerPartition: 1, MinPersons: 5},
		Budget:         report.Budget{Register: fxRegister, Period: "2026", SpentBefore: 1, SpentThisRelease: 1, Limit: 4},
		Tables: []report.Table{
			{Name: "by_unit_age", Path: "by_unit_age.parquet", Rows: 2, Partitions: "private", GroupBy: []string{"unit", "age_band"},
				SelectionThresholdPersons: fp(54), Epsilon: 0.5, Delta: 1e-6,
				Aggregates: []report.Aggregate{
					{Column: "persons", Kind: "persons", Epsilon: 0.25, Delta: 1e-6, NoiseScale: fp(4), CI95Halfwidth: fp(11.98), L0: 1, LInf: 1},
					{Column: "monthly_fee_sum", Kind: "sum", Source: "monthly_fee", Min: fp(0), Max: fp(500), Epsilon: 0.25, NoiseScale: fp(2000), CI95Halfwidth: fp(5991.46), L0: 1, LInf: 500},
				}},
			{Name: "by_unit", Path: "by_unit.parquet", Rows: 2, Partitions: "public", GroupBy: []string{"unit"}, CellsSuppressed: ip(1), Epsilon: 0.5,
				Aggregates: []report.Aggregate{
					{Column: "persons", Kind: "persons", Epsilon: 0.25, NoiseScale: fp(4), CI95Halfwidth: fp(11.98), L0: 1, LInf: 1},
					{Column: "hours_p50", Kind: "quantile", Source: "hours", Min: fp(0), Max: fp(60), Epsilon: 0.25, L0: 1, LInf: 1},
					{Column: "hours_p90", Kind: "quantile", Source: "hours", Min: fp(0), Max: fp(60), Epsilon: 0, L0: 1, LInf: 1},
				}},
		},
		Checks: []report.Check{{Name: "min_persons", Passed: true, Detail: "ok"}},
	}
	return &fixtureSpec{priorEpsilon: 1, eff: eff, tables: tables, footers: footers, rep: rep}
}

// build writes the release described by s into a fresh temporary directory.
func (s *fixtureSpec) build(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, ledgerPath: filepath.Join(dir, "var", "ledger.jsonl")}
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "keys", "report")
	if err := os.MkdirAll(filepath.Dir(prefix), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := report.GenerateKey(prefix); err != nil {
		t.Fatal(err)
	}
	f.pubPath = prefix + ".pub"
	priv, _, err := report.LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	f.priv = priv

	// The earlier release, so that this one extends a non-empty head.
	led, err := ledger.Read(f.ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(f.ledgerPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := led.Append(ledgerEntry("2026-06-01", s.priorEpsilon, hexSum([]byte("earlier report")))); err != nil {
		t.Fatal(err)
	}

	rep := s.rep
	rep.EffectiveConfig = roundTrip(t, s.eff)
	effJSON, _ := json.Marshal(rep.EffectiveConfig)
	rep.EffectiveConfigSHA256 = hexSum(effJSON)
	rep.Budget.Ledger = f.ledgerPath
	for i := range rep.Tables {
		rt := &rep.Tables[i]
		rt.LedgerPrevSHA256 = led.Head
		if tb, ok := s.tables[rt.Name]; ok {
			sum, err := parquetsink.Write(filepath.Join(out, rt.Name+".parquet"), *tb, s.footers[rt.Name], "none")
			if err != nil {
				t.Fatalf("write %s: %v", rt.Name, err)
			}
			rt.SHA256 = sum
		}
	}
	html := []byte("<!DOCTYPE html><title>fixture</title>\n")
	f.htmlPath = filepath.Join(out, "report.html")
	if err := os.WriteFile(f.htmlPath, html, 0o644); err != nil {
		t.Fatal(err)
	}
	h := hexSum(html)
	rep.ReportHTMLSHA256 = &h
	var key ed25519.PrivateKey
	if !s.unsigned {
		key = priv
	}
	data, err := report.Marshal(rep, key)
	if err != nil {
		t.Fatal(err)
	}
	f.reportPath = filepath.Join(out, "report.json")
	if err := os.WriteFile(f.reportPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := led.Append(ledgerEntry(fxRelease, 1, hexSum(data))); err != nil {
		t.Fatal(err)
	}
	return f
}

func ledgerEntry(release string, eps float64, reportSHA string) ledger.Entry {
	return ledger.Entry{Job: fxJob, Register: fxRegister, Release: release, Period: "2026", Epsilon: eps, Delta: 1e-6,
		EpsilonPerPeriod: 4, At: "2026-11-24T09:00:07+02:00", ReportSHA256: reportSHA, OutputDir: "/srv/out/" + release,
		Input: ledger.Input{Type: "csv", RowsRead: 6000}}
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// roundTrip gives a value the shape it has after report.json is read back.
func roundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// rewrite applies edit to a file's bytes.
func rewrite(t *testing.T, path string, edit func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb := edit(bytes.Clone(b))
	if bytes.Equal(nb, b) {
		t.Fatalf("edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, nb, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reSign signs report.json's current bytes again (after an edit) with key.
func reSign(t *testing.T, path string, key ed25519.PrivateKey) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	data, err := report.Marshal(&r, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}
