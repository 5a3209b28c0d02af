package main

// File permissions and secrets (SPEC.md "Outputs", "Publication protocol", "Command line"):
// published files 0644 and directories 0755 whatever the umask, the staging directory 0700
// until the release is published, ledger and lock 0600, the signing key 0600 (a looser one is
// warned about) and never printed, the PostgreSQL DSN never printed or written, and
// --log-format json giving one valid JSON object per stderr line, errors included.

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// runUmask runs the binary under umask mask.
func runUmask(t *testing.T, mask os.FileMode, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", fmt.Sprintf(`umask %03o; exec "$0" "$@"`, mask), binary}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, so.String(), se.String()}
}

func permOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", filepath.Base(path), err)
	}
	return fi.Mode().Perm()
}

// TestPermPublishedModes: whatever the umask, a published release is 0755 with 0644 files,
// and the ledger and its lock are 0600 in a directory only the owner can enter.
func TestPermPublishedModes(t *testing.T) {
	for _, mask := range []os.FileMode{0o022, 0o077, 0o000, 0o027} {
		t.Run(fmt.Sprintf("umask %03o", mask), func(t *testing.T) {
			ex := newExample(t)
			r := runUmask(t, mask, nil, "run", "--config", ex.config, "--release", "m1")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, lastLine(r.stderr))
			}
			dir := filepath.Join(ex.out, "m1")
			if m := permOf(t, dir); m != 0o755 {
				t.Errorf("release directory mode %o, want 755", m)
			}
			for _, f := range releaseFiles {
				if m := permOf(t, filepath.Join(dir, f)); m != 0o644 {
					t.Errorf("%s mode %o, want 644", f, m)
				}
			}
			for _, f := range []string{ex.ledger, ex.ledger + ".lock"} {
				if m := permOf(t, f); m != 0o600 && m != 0o600&^mask {
					t.Errorf("%s mode %o, want 600", filepath.Base(f), m)
				}
			}
			if m := permOf(t, filepath.Dir(ex.ledger)); m&0o077 != 0 {
				t.Errorf("the ledger directory statexport created has mode %o: others can enter it", m)
			}
			// The directories statexport created above the release must let readers reach it.
			for _, d := range []string{ex.out, filepath.Dir(ex.out)} {
				if m := permOf(t, d); m&0o055 != 0o055 {
					t.Errorf("output parent %s created with mode %o: readers cannot reach the release", filepath.Base(d), m)
				}
			}
		})
	}
}

// TestPermStagingPrivate pauses a run at each step between creating the staging directory and
// publishing, and checks that the staging directory is 0700 there.
func TestPermStagingPrivate(t *testing.T) {
	ex := newExample(t)
	staging := filepath.Join(ex.out, ".current.staging")
	env := layouts[1].env(ex)
	for i, fp := range []string{"after-stage", "after-table@1", "after-table@2", "after-scan", "after-report", "after-seal", "after-commit"} {
		p := startBin(t, append(env, "SXTEST_FAILPOINT="+fp+":pause"), "run", "--config", ex.config, "--release", fmt.Sprintf("s%d", i))
		select {
		case <-p.paused:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the run did not pause", fp)
		}
		if m := permOf(t, staging); m != 0o700 {
			t.Errorf("%s: staging directory mode %o, want 700 until published", fp, m)
		}
		p.cmd.Process.Signal(syscall.SIGUSR1)
		if r, _ := p.wait(t); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", fp, r.code, lastLine(r.stderr))
		}
		if m := permOf(t, filepath.Join(ex.out, "current")); m != 0o755 {
			t.Errorf("%s: published mode %o, want 755", fp, m)
		}
	}
}

// TestPermSigningKey: keygen writes the private key 0600 whatever the umask and refuses to
// overwrite it; a run warns about a key others can read; the key's material appears in no
// output, log or ledger.
func TestPermSigningKey(t *testing.T) {
	ex := newExample(t)
	prefix := filepath.Join(ex.tmp, "repo", "keys", "report")
	os.MkdirAll(filepath.Dir(prefix), 0o700)
	r := runUmask(t, 0, nil, "keygen", "--out", prefix)
	if r.code != 0 {
		t.Fatalf("keygen: exit %d: %s", r.code, lastLine(r.stderr))
	}
	if m := permOf(t, prefix+".key"); m != 0o600 {
		t.Errorf("private key mode %o under umask 000, want 600", m)
	}
	before := readString(t, prefix+".key")
	if r := runBin(t, nil, "keygen", "--out", prefix); r.code != 2 || readString(t, prefix+".key") != before {
		t.Errorf("keygen over an existing key: exit %d, want 2 and the key unchanged", r.code)
	}
	editFile(t, ex.config, "  language: fi\n", "  language: fi\n  signing_key: ../keys/report.key\n")
	var runs []result
	r = runBin(t, nil, "run", "--config", ex.config, "--release", "k1")
	if r.code != 0 || strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("run with a 0600 key: exit %d, warned %v: %s", r.code, strings.Contains(r.stderr, "chmod 600"), lastLine(r.stderr))
	}
	runs = append(runs, r)
	os.Chmod(prefix+".key", 0o644)
	r = runBin(t, nil, "--log-format", "json", "run", "--config", ex.config, "--release", "k2")
	if r.code != 0 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("run with a 0644 key: exit %d, want 0 with a warning naming chmod 600: %s", r.code, lastLine(r.stderr))
	}
	runs = append(runs, r)
	if r := runBin(t, nil, "audit", filepath.Join(ex.out, "k2", "report.json"), "--pubkey", prefix+".pub"); r.code != 0 {
		t.Errorf("audit of the signed release: exit %d:\n%s", r.code, r.stdout)
	}
	// The key's material: the PEM body and the raw seed in both base64 alphabets.
	block, _ := pem.Decode([]byte(before))
	if block == nil || len(block.Bytes) < 32 {
		t.Fatal("the private key is not PEM")
	}
	seed := block.Bytes[len(block.Bytes)-32:]
	secrets := []string{base64.StdEncoding.EncodeToString(block.Bytes)[:40], base64.StdEncoding.EncodeToString(seed)[:40],
		base64.RawURLEncoding.EncodeToString(seed)[:40], fmt.Sprintf("%x", seed)}
	for _, line := range strings.Split(before, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets = append(secrets, line)
		}
	}
	assertAbsent(t, ex, runs, secrets, "the signing key")
}

// assertAbsent fails if any of secrets occurs in the runs' stdout or stderr, or in any file
// under the example's temp dir but the repo (outputs, ledger, leftovers).
func assertAbsent(t *testing.T, ex example, runs []result, secrets []string, what string) {
	t.Helper()
	var texts []string
	for _, r := range runs {
		texts = append(texts, r.stdout, r.stderr)
	}
	_ = filepath.Walk(ex.tmp, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if fi.IsDir() && fi.Name() == "repo" {
			return filepath.SkipDir
		}
		if !fi.IsDir() {
			b, _ := os.ReadFile(path)
			texts = append(texts, string(b))
		}
		return nil
	})
	all := strings.Join(texts, "\n")
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("a part of %s (%d chars) appears in an output", what, len(s))
		}
	}
}

// postgresJob turns the example job into one reading table from PostgreSQL through the DSN in
// the environment variable dsnEnv.
func postgresJob(t *testing.T, ex example, dsnEnv, table string) {
	t.Helper()
	editFile(t, ex.config, "  type: csv\n  path: ../registers/daycare.csv\n", "  type: postgres\n  dsn_env: "+dsnEnv+"\n  table: "+table+"\n")
	for _, k := range []string{"encoding", "delimiter", "decimal"} {
		s := readString(t, ex.config)
		i := strings.Index(s, "  "+k+":")
		j := strings.Index(s[i:], "\n")
		writeString(t, ex.config, s[:i]+s[i+j+1:])
	}
}

// TestPermDSNNeverPrinted: a DSN that cannot connect, or cannot be parsed, fails the run and
// validate without printing any part of it, in text or JSON logs; an unset variable is a
// config error naming the variable. With PG_TEST_DSN, a published release's report, ledger and
// logs hold no part of the real DSN either.
func TestPermDSNNeverPrinted(t *testing.T) {
	ex := newExample(t)
	postgresJob(t, ex, "SX_PERM_DSN", "daycare")
	secrets := []string{"sxsecretuser", "sxsecretpass", "sxsecretdb", "sxsecrethost"}
	var runs []result
	for _, dsn := range []string{
		"postgres://sxsecretuser:sxsecretpass@127.0.0.1:1/sxsecretdb?sslmode=disable",
		"postgres://sxsecretuser:sxsecretpass@sxsecrethost.invalid:5432/sxsecretdb?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=sxsecretuser password=sxsecretpass dbname=sxsecretdb sslmode=disable",
		"postgres://sxsecretuser:sxsecretpass@%zz/sxsecretdb",
	} {
		for _, args := range [][]string{
			{"run", "--config", ex.config, "--release", "d1"},
			{"--log-format", "json", "run", "--config", ex.config, "--release", "d1"},
			{"validate", "--config", ex.config},
		} {
			r := runBin(t, []string{"SX_PERM_DSN=" + dsn}, args...)
			if r.code != 1 && r.code != 2 {
				t.Errorf("%s: exit %d, want 1 or 2", args[0], r.code)
			}
			runs = append(runs, r)
		}
	}
	r := runBin(t, nil, "run", "--config", ex.config, "--release", "d1")
	if r.code != 2 || !strings.Contains(r.stderr, "SX_PERM_DSN") {
		t.Errorf("unset DSN variable: exit %d, want 2 naming the variable: %s", r.code, lastLine(r.stderr))
	}
	assertAbsent(t, ex, append(runs, r), secrets, "the DSN")
	if len(readLines(t, ex.ledger)) != 0 {
		t.Errorf("a failed run wrote the ledger")
	}

	dsn := os.Getenv("PG_TEST_DSN")
	if dsn == "" {
		t.Log("PG_TEST_DSN not set: the published-release half is skipped")
		return
	}
	schema := pgRegister(t, dsn, 5000)
	ex2 := newExample(t)
	postgresJob(t, ex2, "SX_PERM_DSN", schema+".daycare")
	r = runBin(t, []string{"SX_PERM_DSN=" + dsn}, "--log-format", "json", "run", "--config", ex2.config, "--release", "p1")
	if r.code != 0 {
		t.Fatalf("run from PostgreSQL: exit %d: %s", r.code, lastLine(r.stderr))
	}
	secrets = []string{dsn}
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			userinfo := dsn[i+3 : at]
			if _, pw, ok := strings.Cut(userinfo, ":"); ok && len(pw) >= 6 {
				secrets = append(secrets, pw)
			}
		}
	}
	assertAbsent(t, ex2, []result{r}, secrets, "the DSN")
}

// TestPermJSONLogs: with --log-format json every stderr line is one JSON object with a time,
// a level and a message, on success and on every kind of failure.
func TestPermJSONLogs(t *testing.T) {
	ex := newExample(t)
	csvPath := filepath.Join(ex.tmp, "repo/registers/daycare.csv")
	badConfig := filepath.Join(ex.tmp, "repo/jobs/bad.yaml")
	writeString(t, badConfig, strings.Replace(readString(t, ex.config), "epsilon: 1.0", "epsilon: -1", 1))
	quote := filepath.Join(ex.tmp, "repo/jobs/quote.yaml")
	writeString(t, quote, strings.Replace(readString(t, ex.config), "../registers/daycare.csv", "../registers/quote.csv", 1))
	lines := strings.SplitAfter(readString(t, csvPath), "\r\n")
	lines[50] = strings.Replace(lines[50], ";", `;"`, 1)
	writeString(t, filepath.Join(ex.tmp, "repo/registers/quote.csv"), strings.Join(lines, ""))
	tampered := filepath.Join(ex.tmp, "tampered.json")

	cases := []struct {
		name string
		env  []string
		args []string
		code int
		prep func()
	}{
		{"run ok", nil, []string{"run", "--config", ex.config, "--release", "j1"}, 0, nil},
		{"release exists", nil, []string{"run", "--config", ex.config, "--release", "j1"}, 3, nil},
		{"budget exceeded", []string{"STATEXPORT_PRIVACY_EPSILON=3.5"}, []string{"run", "--config", ex.config, "--release", "j2"}, 3, nil},
		{"config error", nil, []string{"run", "--config", badConfig, "--release", "j3"}, 2, nil},
		{"unknown env", []string{"STATEXPORT_PRIVACY_EPSILONN=1"}, []string{"run", "--config", ex.config}, 2, nil},
		{"missing config", nil, []string{"run", "--config", filepath.Join(ex.tmp, "nope.yaml")}, 2, nil},
		{"bad release id", nil, []string{"run", "--config", ex.config, "--release", "../x"}, 2, nil},
		{"unknown flag", nil, []string{"run", "--config", ex.config, "--bogus"}, 2, nil},
		{"unterminated quote", nil, []string{"run", "--config", quote, "--release", "j4"}, 1, nil},
		{"dry run", nil, []string{"run", "--dry-run", "--config", ex.config}, 0, nil},
		{"validate bad", nil, []string{"validate", "--config", badConfig}, 2, nil},
		{"scan findings", nil, []string{"scan", csvPath}, 5, nil},
		{"audit tampered", nil, []string{"audit", tampered}, 5, func() {
			b := readString(t, filepath.Join(ex.out, "j1", "report.json"))
			writeString(t, tampered, strings.Replace(b, `"min_persons":5`, `"min_persons":1`, 1))
		}},
		{"budget", nil, []string{"budget", "--ledger", ex.ledger}, 0, nil},
		{"inspect unreadable", nil, []string{"inspect", filepath.Join(ex.tmp, "nope.csv")}, 1, nil},
	}
	var runs []result
	for _, c := range cases {
		if c.prep != nil {
			c.prep()
		}
		args := append([]string{"--log-format", "json"}, c.args...)
		var r result
		if c.name == "release exists" {
			// and the lock held, for a fourth kind of refusal in the same shape
			lk := flock.New(ex.ledger + ".lock")
			if ok, err := lk.TryLock(); err != nil || !ok {
				t.Fatalf("cannot take the lock: %v", err)
			}
			l := runBin(t, c.env, append(args[:len(args):len(args)], "--release", "j9")...)
			lk.Unlock()
			checkJSONLines(t, "lock held", l, 4)
			runs = append(runs, l)
		}
		r = runBin(t, c.env, args...)
		checkJSONLines(t, c.name, r, c.code)
		runs = append(runs, r)
	}
	assertNoIdentifiers(t, ex, runs...)
}

func checkJSONLines(t *testing.T, name string, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: exit %d, want %d: %s", name, r.code, code, lastLine(r.stderr))
	}
	if code != 0 && strings.TrimSpace(r.stderr) == "" {
		t.Errorf("%s: a failure logged nothing", name)
	}
	for i, line := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		if line == "" && i == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("%s: stderr line %d is not JSON (%d bytes): %v", name, i+1, len(line), err)
			continue
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: stderr line %d lacks %q", name, i+1, k)
			}
		}
	}
}
