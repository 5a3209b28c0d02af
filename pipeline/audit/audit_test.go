package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/differential-privacy/go/v3/noise"
	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/pipeline/report"
)

// outcome summarises a run: the failed and skipped checks, sorted.
func outcome(results []Result) (failed, skipped []string) {
	for _, r := range results {
		switch r.Status {
		case StatusFail:
			failed = append(failed, r.Name)
		case StatusSkip:
			skipped = append(skipped, r.Name)
		}
	}
	sort.Strings(failed)
	sort.Strings(skipped)
	return failed, skipped
}

func detail(results []Result, name string) string {
	for _, r := range results {
		if r.Name == name {
			return r.Detail
		}
	}
	return ""
}

func TestAudit(t *testing.T) {
	for _, c := range []struct {
		name     string
		spec     func(s *fixtureSpec)           // before the release is written
		tamper   func(t *testing.T, f *fixture) // after
		opts     func(f *fixture) Options       // default: --pubkey
		fail     []string                       // exactly the checks that must fail
		skip     []string                       // exactly the checks that must be skipped
		contains map[string]string              // check → words its detail must hold
	}{
		{name: "clean, --pubkey"},
		{
			name: "clean, embedded key", opts: func(*fixture) Options { return Options{} },
			contains: map[string]string{CheckSignature: "authenticity unproven"},
		},
		{
			name: "clean, --no-ledger", opts: func(f *fixture) Options { return Options{PublicKey: f.pubPath, NoLedger: true} },
			skip: []string{CheckLedger},
		},
		{
			name: "clean, --ledger given", opts: func(f *fixture) Options { return Options{PublicKey: f.pubPath, Ledger: f.ledgerPath} },
		},
		{
			name: "unsigned, ledger checked", spec: func(s *fixtureSpec) { s.unsigned = true },
			opts:     func(*fixture) Options { return Options{} },
			contains: map[string]string{CheckSignature: "integrity rests on the ledger alone"},
		},
		{
			name: "unsigned, --no-ledger", spec: func(s *fixtureSpec) { s.unsigned = true },
			opts:     func(*fixture) Options { return Options{NoLedger: true} },
			skip:     []string{CheckLedger, CheckSignature},
			contains: map[string]string{CheckSignature: "nothing here proves the report unchanged"},
		},
		{
			name: "unsigned, --pubkey", spec: func(s *fixtureSpec) { s.unsigned = true },
			fail: []string{CheckSignature},
		},
		{
			name: "byte flipped in a table",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, filepath.Join(f.dir, "out", "by_unit_age.parquet"), func(b []byte) []byte {
					i := bytes.Index(b, []byte("Solbacka"))
					b[i+7] ^= 0x01 // Solbacka → Solbackb: still readable, other bytes
					return b
				})
			},
			fail:     []string{CheckFiles},
			contains: map[string]string{CheckFiles: "by_unit_age.parquet: sha256 differs"},
		},
		{
			name:     "table removed",
			tamper:   func(t *testing.T, f *fixture) { must(t, os.Remove(filepath.Join(f.dir, "out", "by_unit.parquet"))) },
			fail:     []string{CheckEpsilon, CheckFiles, CheckMinPersons, CheckScan},
			contains: map[string]string{CheckFiles: "by_unit.parquet: missing"},
		},
		{
			name: "report.html edited",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.htmlPath, func(b []byte) []byte { return append(b, ' ') })
			},
			fail: []string{CheckFiles}, contains: map[string]string{CheckFiles: "report.html"},
		},
		{
			name: "number changed in the signed report",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.reportPath, func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"noise_scale": 2000,`), []byte(`"noise_scale": 200,`), 1)
				})
			},
			fail: []string{CheckLedger, CheckNoiseScales, CheckSignature},
			contains: map[string]string{
				CheckNoiseScales: "table by_unit_age, monthly_fee_sum: noise_scale 200, recomputed 2000",
				CheckLedger:      "report_sha256 is not this report's",
			},
		},
		{
			name: "number changed, re-signed with another key, --pubkey",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.reportPath, func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"min_persons": 5`), []byte(`"min_persons": 2`), 1)
				})
				reSign(t, f.reportPath, newKey(t))
			},
			fail:     []string{CheckLedger, CheckNoiseScales, CheckSignature},
			contains: map[string]string{CheckSignature: "signed with another key", CheckNoiseScales: "privacy block differs"},
		},
		{
			name: "public key swapped, embedded key only",
			tamper: func(t *testing.T, f *fixture) {
				reSign(t, f.reportPath, newKey(t))
			},
			opts: func(*fixture) Options { return Options{} },
			fail: []string{CheckLedger}, contains: map[string]string{CheckSignature: "authenticity unproven"},
		},
		{
			name: "public key swapped, --pubkey, --no-ledger",
			tamper: func(t *testing.T, f *fixture) {
				reSign(t, f.reportPath, newKey(t))
			},
			opts: func(f *fixture) Options { return Options{PublicKey: f.pubPath, NoLedger: true} },
			fail: []string{CheckSignature}, skip: []string{CheckLedger},
		},
		{
			name: "ledger line deleted",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.ledgerPath, func(b []byte) []byte {
					first := bytes.IndexByte(b, '\n')
					return b[:first+1]
				})
			},
			fail: []string{CheckLedger}, contains: map[string]string{CheckLedger: "no entry for job daycare-enrolment release 2026-11-24"},
		},
		{
			name: "ledger earlier line edited",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.ledgerPath, func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"epsilon":1,`), []byte(`"epsilon":0.1,`), 1)
				})
			},
			fail: []string{CheckLedger}, contains: map[string]string{CheckLedger: "hash chain is broken"},
		},
		{
			name:   "ledger missing",
			tamper: func(t *testing.T, f *fixture) { must(t, os.Remove(f.ledgerPath)) },
			fail:   []string{CheckLedger}, contains: map[string]string{CheckLedger: "missing or empty"},
		},
		{
			name: "period overspent in the ledger", spec: func(s *fixtureSpec) { s.priorEpsilon = 3.5 },
			fail: []string{CheckLedger}, contains: map[string]string{CheckLedger: "spend 4.5, more than the period's limit 4"},
		},
		{
			name: "ledger head differs from the report's",
			spec: func(s *fixtureSpec) {},
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.reportPath, func(b []byte) []byte {
					var r report.Report
					must(t, json.Unmarshal(b, &r))
					return bytes.ReplaceAll(b, []byte(r.Tables[0].LedgerPrevSHA256), []byte(strings.Repeat("0", 64)))
				})
				reSign(t, f.reportPath, f.priv)
			},
			opts: func(f *fixture) Options { return Options{PublicKey: f.pubPath} },
			fail: []string{CheckLedger}, contains: map[string]string{CheckLedger: "ledger_prev_sha256 is not the head"},
		},
		{
			name: "cell below min_persons",
			spec: func(s *fixtureSpec) { s.tables["by_unit_age"].Rows[1][2] = int64(3) },
			fail: []string{CheckMinPersons}, contains: map[string]string{CheckMinPersons: "by_unit_age.parquet row 2: persons below min_persons 5"},
		},
		{
			name: "suppressed cell with a value",
			spec: func(s *fixtureSpec) { s.tables["by_unit"].Rows[1][3] = 12.5 },
			fail: []string{CheckMinPersons}, contains: map[string]string{CheckMinPersons: "row 2: suppressed cell has a value in hours_p50"},
		},
		{
			name: "released public cell without persons",
			spec: func(s *fixtureSpec) { s.tables["by_unit"].Rows[0][1] = nil },
			fail: []string{CheckMinPersons},
		},
		{
			name: "epsilon overspent by the aggregates",
			spec: func(s *fixtureSpec) {
				s.rep.Tables[0].Aggregates[1].Epsilon = 0.5
				s.rep.Tables[0].Epsilon = 0.75
				s.footers["by_unit_age"]["statexport.epsilon"] = "0.75"
			},
			fail: []string{CheckEpsilon, CheckLedger, CheckNoiseScales},
			contains: map[string]string{CheckEpsilon: "sum to 1.25, more than the release's 1",
				CheckLedger: "records epsilon 1, less than the report's aggregates spend (1.25)"},
		},
		{
			name: "footer epsilon differs",
			spec: func(s *fixtureSpec) { s.footers["by_unit"]["statexport.epsilon"] = "0.4" },
			fail: []string{CheckEpsilon}, contains: map[string]string{CheckEpsilon: "by_unit.parquet: footer statexport.epsilon"},
		},
		{
			name: "footer of another release",
			spec: func(s *fixtureSpec) { s.footers["by_unit"]["statexport.release"] = "2026-06-01" },
			fail: []string{CheckFiles}, contains: map[string]string{CheckFiles: "footer statexport.release differs"},
		},
		{
			name:     "personal data in a table",
			spec:     func(s *fixtureSpec) { s.tables["by_unit_age"].Rows[0][0] = "010199-9001" }, // synthetic, temporary-id range
			fail:     []string{CheckScan},
			contains: map[string]string{CheckScan: "by_unit_age.parquet:1:unit: hetu"},
		},
		{
			name: "listed public value is not a finding",
			spec: func(s *fixtureSpec) {
				s.tables["by_unit"].Rows[0][0] = "info@example.org"
				tb := s.eff["tables"].([]any)[1].(map[string]any)
				tb["public_values"] = []any{map[string]any{"column": "unit", "values": []any{"info@example.org", "Solbacka"}, "file": ""}}
			},
		},
		{
			name: "selection threshold misreported",
			spec: func(s *fixtureSpec) { s.rep.Tables[0].SelectionThresholdPersons = fp(20) },
			fail: []string{CheckNoiseScales}, contains: map[string]string{CheckNoiseScales: "selection_threshold_persons 20, recomputed 54"},
		},
		{
			name: "quantile rank charged twice",
			spec: func(s *fixtureSpec) {
				s.rep.Tables[1].Aggregates[2].Epsilon = 0.25
				s.rep.Tables[1].Epsilon = 0.75
				s.footers["by_unit"]["statexport.epsilon"] = "0.75"
			},
			fail: []string{CheckEpsilon, CheckLedger, CheckNoiseScales},
		},
		{
			name: "mean with a noise scale",
			spec: func(s *fixtureSpec) { s.rep.Tables[1].Aggregates[1].NoiseScale = fp(1) },
			fail: []string{CheckNoiseScales}, contains: map[string]string{CheckNoiseScales: "not one noisy value"},
		},
		{
			name: "effective config hash wrong",
			tamper: func(t *testing.T, f *fixture) {
				rewrite(t, f.reportPath, func(b []byte) []byte {
					var r report.Report
					must(t, json.Unmarshal(b, &r))
					return bytes.Replace(b, []byte(r.EffectiveConfigSHA256), []byte(strings.Repeat("a", 64)), 1)
				})
				reSign(t, f.reportPath, f.priv)
			},
			opts: func(f *fixture) Options { return Options{PublicKey: f.pubPath, NoLedger: true} },
			fail: []string{CheckNoiseScales}, skip: []string{CheckLedger},
			contains: map[string]string{CheckNoiseScales: "effective_config_sha256"},
		},
		{
			name:     "table path leaves the report's directory",
			spec:     func(s *fixtureSpec) { s.rep.Tables[1].Path = "../by_unit.parquet" },
			fail:     []string{CheckEpsilon, CheckFiles, CheckMinPersons, CheckScan},
			contains: map[string]string{CheckFiles: "path leaves the report's directory"},
		},
		{
			name: "weights split a table's share",
			spec: func(s *fixtureSpec) {
				tb := s.eff["tables"].([]any)[0].(map[string]any)
				tb["aggregates"].([]any)[1].(map[string]any)["weight"] = 3.0
				ag := s.rep.Tables[0].Aggregates
				ag[0].Epsilon, ag[0].NoiseScale = 0.125, fp(8)                                  // 0.5 · 1/4; 1/0.125
				ag[1].Epsilon, ag[1].NoiseScale = 0.375, fp(500/0.375)                          // 0.5 · 3/4
				s.rep.Tables[0].SelectionThresholdPersons = fp(math.Ceil(1 - 8*math.Log(2e-6))) // 106
			},
		},
		{
			name: "gaussian noise",
			spec: func(s *fixtureSpec) { gaussian(s, 1) },
		},
		{
			name: "gaussian noise, sigma misreported",
			spec: func(s *fixtureSpec) { gaussian(s, 1.01) },
			fail: []string{CheckNoiseScales},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			if c.spec != nil {
				c.spec(s)
			}
			f := s.build(t)
			if c.tamper != nil {
				c.tamper(t, f)
			}
			opt := Options{PublicKey: f.pubPath}
			if c.opts != nil {
				opt = c.opts(f)
			}
			results, err := Run(f.reportPath, opt)
			var names []string
			for _, r := range results {
				names = append(names, r.Name)
			}
			if !slices.Equal(names, Checks) {
				t.Fatalf("checks %v, want %v (err %v)", names, Checks, err)
			}
			failed, skipped := outcome(results)
			want := slices.Clone(c.fail)
			sort.Strings(want)
			if !slices.Equal(failed, want) || !slices.Equal(skipped, c.skip) {
				var lines []string
				for _, r := range results {
					lines = append(lines, r.String())
				}
				t.Fatalf("failed %v skipped %v, want failed %v skipped %v:\n%s", failed, skipped, want, c.skip, strings.Join(lines, "\n"))
			}
			if (len(c.fail) > 0) != errors.Is(err, ErrCheckFailed) || (len(c.fail) == 0 && err != nil) {
				t.Errorf("err = %v with %d failures", err, len(c.fail))
			}
			for name, words := range c.contains {
				if d := detail(results, name); !strings.Contains(d, words) {
					t.Errorf("%s detail %q lacks %q", name, d, words)
				}
			}
		})
	}
}

// gaussian switches the fixture to Gaussian noise. δ = 10⁻⁶ is split evenly over the five
// mechanisms (four aggregates and the private table's threshold); σ is the library's, times
// factor (1: correct).
func gaussian(s *fixtureSpec, factor float64) {
	s.eff["privacy"].(map[string]any)["noise"] = "gaussian"
	s.rep.Privacy.Noise = "gaussian"
	d := 1e-6 / 5
	sPersons := noise.SigmaForGaussian(1, 1, 0.25, d) * factor
	sSum := noise.SigmaForGaussian(1, 500, 0.25, d)
	k, err := noise.Gaussian().Threshold(1, 1, 0.25, d, d)
	if err != nil {
		panic(err)
	}
	t0, t1 := &s.rep.Tables[0], &s.rep.Tables[1]
	t0.Aggregates[0].NoiseScale, t0.Aggregates[0].Delta = &sPersons, 2*d
	t0.Aggregates[1].NoiseScale, t0.Aggregates[1].Delta = &sSum, d
	t0.SelectionThresholdPersons = fp(math.Max(math.Ceil(k), 5))
	t0.Delta = 3 * d
	s1 := noise.SigmaForGaussian(1, 1, 0.25, d)
	t1.Aggregates[0].NoiseScale, t1.Aggregates[0].Delta = &s1, d
	t1.Aggregates[1].Delta = d
	t1.Delta = 2 * d
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditUnreadable(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, f *fixture) (string, Options)
	}{
		{"report missing", func(t *testing.T, f *fixture) (string, Options) {
			return filepath.Join(f.dir, "nope.json"), Options{}
		}},
		{"report not JSON", func(t *testing.T, f *fixture) (string, Options) {
			p := filepath.Join(f.dir, "bad.json")
			must(t, os.WriteFile(p, []byte("{not json"), 0o644))
			return p, Options{}
		}},
		{"JSON but not a report", func(t *testing.T, f *fixture) (string, Options) {
			p := filepath.Join(f.dir, "other.json")
			must(t, os.WriteFile(p, []byte(`{"hello": 1}`), 0o644))
			return p, Options{}
		}},
		{"--pubkey missing", func(t *testing.T, f *fixture) (string, Options) {
			return f.reportPath, Options{PublicKey: filepath.Join(f.dir, "none.pub")}
		}},
		{"--pubkey is a private key", func(t *testing.T, f *fixture) (string, Options) {
			return f.reportPath, Options{PublicKey: filepath.Join(f.dir, "keys", "report.key")}
		}},
		{"--ledger missing", func(t *testing.T, f *fixture) (string, Options) {
			return f.reportPath, Options{Ledger: filepath.Join(f.dir, "none.jsonl")}
		}},
		{"--ledger a directory", func(t *testing.T, f *fixture) (string, Options) {
			return f.reportPath, Options{Ledger: f.dir}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := defaultSpec().build(t)
			path, opt := c.setup(t, f)
			results, err := Run(path, opt)
			if !errors.Is(err, ErrUnreadable) || results != nil {
				t.Errorf("Run = %d results, %v; want none and ErrUnreadable", len(results), err)
			}
		})
	}
}

func TestResultString(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{Name: "files", Status: StatusPass}, "PASS files"},
		{Result{Name: "signature", Status: StatusPass, Detail: "authenticity unproven"}, "PASS signature: authenticity unproven"},
		{Result{Name: "files", Status: StatusFail, Detail: "t.parquet: missing"}, "FAIL files: t.parquet: missing"},
		{Result{Name: "ledger", Status: StatusSkip, Detail: "--no-ledger"}, "SKIP ledger: --no-ledger"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// TestAuditNeverPrintsValues makes sure no cell value reaches a result, whatever fails.
func TestAuditNeverPrintsValues(t *testing.T) {
	s := defaultSpec()
	s.tables["by_unit_age"].Rows[0][0] = "010199-9001"
	s.tables["by_unit_age"].Rows[1][2] = int64(3)
	s.tables["by_unit"].Rows[1][3] = 12.5
	f := s.build(t)
	results, _ := Run(f.reportPath, Options{PublicKey: f.pubPath})
	for _, r := range results {
		for _, v := range []string{"010199-9001", "Solbacka", "Kastanja", "12.5", "14250.5"} {
			if strings.Contains(r.String(), v) {
				t.Errorf("%q holds the value %q", r.String(), v)
			}
		}
	}
	_ = parquetsink.Int64
}
