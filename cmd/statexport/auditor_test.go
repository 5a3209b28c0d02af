package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSignedReleaseAudits is the auditor issue's "done when" on the example job: run with a
// signing key, audit with the public key (exit 0); every tamper exits 5 naming the failed
// check; scan of the outputs is clean (0) and of the input finds personal data (5).
func TestSignedReleaseAudits(t *testing.T) {
	ex := newExample(t)
	keys := filepath.Join(ex.tmp, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, nil, "keygen", "--out", filepath.Join(keys, "report")); r.code != 0 {
		t.Fatalf("keygen: exit %d: %s", r.code, r.stderr)
	}
	if r := runBin(t, nil, "keygen", "--out", filepath.Join(keys, "report")); r.code != 2 {
		t.Fatalf("keygen over existing keys: exit %d, want 2", r.code)
	}
	fi, err := os.Stat(filepath.Join(keys, "report.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", fi.Mode(), err)
	}
	env := []string{"STATEXPORT_REPORT_SIGNING_KEY=" + filepath.Join(keys, "report.key")}
	if r := runBin(t, env, "run", "--config", ex.config, "--release", "a1"); r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	dir := filepath.Join(ex.out, "a1")
	rep := filepath.Join(dir, "report.json")
	pub := filepath.Join(keys, "report.pub")

	r := runBin(t, nil, "audit", rep, "--pubkey", pub)
	if r.code != 0 {
		t.Fatalf("audit of an untouched release: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, check := range []string{"signature", "files", "scan", "min_persons", "epsilon", "noise_scales", "ledger"} {
		if !strings.Contains(r.stdout, "PASS "+check) {
			t.Errorf("audit output lacks PASS %s:\n%s", check, r.stdout)
		}
	}
	if r := runBin(t, nil, "scan", dir); r.code != 0 {
		t.Errorf("scan of the outputs: exit %d: %s", r.code, r.stdout)
	}
	if r := runBin(t, nil, "scan", filepath.Join(ex.tmp, "repo/registers/daycare.csv")); r.code != 5 || !strings.Contains(r.stdout, ": hetu") {
		t.Errorf("scan of the input: exit %d, want 5 with hetu findings", r.code)
	}

	tampers := []struct {
		name   string
		file   string
		change func([]byte) []byte
		failed string // a check that must FAIL
	}{
		{"flip a byte in a table", "enrolment_by_area.parquet", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }, "files"},
		{"change a number in the report", "report.json", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"min_persons": 5`, `"min_persons": 4`, 1))
		}, "signature"},
		{"edit report.html", "report.html", func(b []byte) []byte { return append(b, ' ') }, "files"},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(path, orig, 0o644)
			changed := tc.change(append([]byte(nil), orig...))
			if string(changed) == string(orig) {
				t.Fatal("the tamper changed nothing")
			}
			if err := os.WriteFile(path, changed, 0o644); err != nil {
				t.Fatal(err)
			}
			r := runBin(t, nil, "audit", rep, "--pubkey", pub)
			if r.code != 5 || !strings.Contains(r.stdout, "FAIL "+tc.failed) {
				t.Errorf("exit %d, want 5 with FAIL %s:\n%s", r.code, tc.failed, r.stdout)
			}
		})
	}
	t.Run("swap the public key", func(t *testing.T) {
		other := filepath.Join(keys, "other")
		if r := runBin(t, nil, "keygen", "--out", other); r.code != 0 {
			t.Fatal(r.stderr)
		}
		r := runBin(t, nil, "audit", rep, "--pubkey", other+".pub")
		if r.code != 5 || !strings.Contains(r.stdout, "FAIL signature") {
			t.Errorf("exit %d, want 5 with FAIL signature:\n%s", r.code, r.stdout)
		}
	})
	t.Run("delete the ledger line", func(t *testing.T) {
		orig, err := os.ReadFile(ex.ledger)
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(ex.ledger, orig, 0o600)
		if err := os.WriteFile(ex.ledger, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runBin(t, nil, "audit", rep, "--pubkey", pub)
		if r.code != 5 || !strings.Contains(r.stdout, "FAIL ledger") {
			t.Errorf("exit %d, want 5 with FAIL ledger:\n%s", r.code, r.stdout)
		}
		r = runBin(t, nil, "audit", rep, "--pubkey", pub, "--no-ledger")
		if r.code != 0 || !strings.Contains(r.stdout, "SKIP ledger") {
			t.Errorf("--no-ledger: exit %d, want 0 with SKIP ledger:\n%s", r.code, r.stdout)
		}
	})
}
