package report

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestGenerateKey(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "report")
	if err := GenerateKey(prefix); err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
		head string
	}{
		{prefix + ".key", 0o600, "-----BEGIN PRIVATE KEY-----\n"},
		{prefix + ".pub", 0o644, "-----BEGIN PUBLIC KEY-----\n"},
	} {
		st, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %04o, want %04o", c.path, st.Mode().Perm(), c.mode)
		}
		data, _ := os.ReadFile(c.path)
		if !strings.HasPrefix(string(data), c.head) {
			t.Errorf("%s: starts %q, want %q", c.path, data[:min(len(data), 30)], c.head)
		}
	}
	priv, warn, err := LoadPrivateKey(prefix + ".key")
	if err != nil || warn != "" {
		t.Fatalf("LoadPrivateKey: %v, warn %q", err, warn)
	}
	pub, err := LoadPublicKey(prefix + ".pub")
	if err != nil {
		t.Fatalf("LoadPublicKey: %v", err)
	}
	if !pub.Equal(priv.Public()) {
		t.Fatal("public key does not match the private key")
	}

	// A group-readable key loads with a warning.
	if err := os.Chmod(prefix+".key", 0o640); err != nil {
		t.Fatal(err)
	}
	if _, warn, err := LoadPrivateKey(prefix + ".key"); err != nil || !strings.Contains(warn, "0640") {
		t.Errorf("group-readable key: err %v, warn %q; want a warning naming 0640", err, warn)
	}
}

func TestGenerateKeyRefusesToOverwrite(t *testing.T) {
	for _, c := range []struct {
		name      string
		existing  string // which file exists beforehand
		untouched string
	}{
		{"key exists", ".key", ".pub"},
		{"pub exists", ".pub", ".key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(prefix+c.existing, []byte("keep me"), 0o600); err != nil {
				t.Fatal(err)
			}
			err := GenerateKey(prefix)
			if !errors.Is(err, ErrKeyExists) {
				t.Fatalf("GenerateKey: %v, want ErrKeyExists", err)
			}
			if data, _ := os.ReadFile(prefix + c.existing); string(data) != "keep me" {
				t.Errorf("existing file changed: %q", data)
			}
			if _, err := os.Stat(prefix + c.untouched); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written although GenerateKey refused: %v", c.untouched, err)
			}
		})
	}
}

func TestLoadKeyErrors(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	if err := GenerateKey(prefix); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		load func() error
	}{
		{"public key as private", func() error { _, _, err := LoadPrivateKey(prefix + ".pub"); return err }},
		{"private key as public", func() error { _, err := LoadPublicKey(prefix + ".key"); return err }},
		{"garbage private", func() error { _, _, err := LoadPrivateKey(garbage); return err }},
		{"garbage public", func() error { _, err := LoadPublicKey(garbage); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.load(); !errors.Is(err, ErrBadKey) {
				t.Errorf("got %v, want ErrBadKey", err)
			}
		})
	}
}

func TestMarshalUnsigned(t *testing.T) {
	data, err := Marshal(fixtureReport(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("  \"signature\": null\n}\n")) {
		t.Errorf("unsigned report does not end with a null signature:\n%s", data[len(data)-60:])
	}
	if err := Verify(data, make(ed25519.PublicKey, ed25519.PublicKeySize)); !errors.Is(err, ErrUnsigned) {
		t.Errorf("Verify(unsigned) = %v, want ErrUnsigned", err)
	}
	if _, err := EmbeddedKey(data); !errors.Is(err, ErrUnsigned) {
		t.Errorf("EmbeddedKey(unsigned) = %v, want ErrUnsigned", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	pub, priv := newKey(t)
	r := fixtureReport()
	data, err := Marshal(r, priv)
	if err != nil {
		t.Fatal(err)
	}
	if r.Signature != nil {
		t.Error("Marshal modified its argument's Signature")
	}
	if err := Verify(data, pub); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	got, err := EmbeddedKey(data)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("EmbeddedKey = %x, %v; want the signing key", got, err)
	}
	// The file is still valid JSON, and signature is its last member with value last.
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("signed report is not JSON: %v", err)
	}
	if back.Signature == nil || back.Signature.Alg != "ed25519" || back.Signature.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("signature member = %+v", back.Signature)
	}
	tail := string(data[bytes.LastIndexByte(data[:len(data)-1], '"')+1:])
	if tail != "\n  }\n}\n" {
		t.Errorf("after the value string comes %q, want only the closing braces", tail)
	}
	// Hostile text in a string cannot fake the signature's place.
	r.Register.Name = `x", "value": "AAAA`
	data2, err := Marshal(r, priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(data2, pub); err != nil {
		t.Errorf("Verify with a hostile register name: %v", err)
	}
}

func TestVerifyRejectsEveryFlippedByte(t *testing.T) {
	pub, priv := newKey(t)
	r := &Report{SchemaVersion: 1, Job: "j", Release: "r", Tables: []Table{{Name: "t", Rows: 1}}}
	data, err := Marshal(r, priv)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		for _, mask := range []byte{0x01, 0x20} {
			mut := bytes.Clone(data)
			mut[i] ^= mask
			if err := Verify(mut, pub); err == nil {
				t.Fatalf("flipping byte %d (%q→%q) still verifies", i, data[i], mut[i])
			}
		}
	}
}

func TestVerifyWrongKey(t *testing.T) {
	_, priv := newKey(t)
	other, _ := newKey(t)
	data, err := Marshal(fixtureReport(), priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(data, other); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify with another key = %v, want ErrBadSignature", err)
	}
}

func TestVerifyTolerantSpacing(t *testing.T) {
	for _, c := range []struct {
		name    string
		compact bool
	}{{"indented", false}, {"compact", true}} {
		t.Run(c.name, func(t *testing.T) {
			pub, priv := newKey(t)
			// A tool of another maker writes compact JSON and signs it by SPEC's recipe.
			body := []byte(`{"job":"j","signature":{"alg":"ed25519","public_key":"` + base64.StdEncoding.EncodeToString(pub) + `","value":""}}` + "\n")
			if !c.compact {
				body = bytes.Replace(body, []byte(`"value":""`), []byte(`"value":   ""`), 1)
			}
			sig := base64.StdEncoding.EncodeToString(ed25519.Sign(priv, body))
			at := bytes.LastIndex(body, []byte(`""`)) + 1
			signed := append(append(bytes.Clone(body[:at]), sig...), body[at:]...)
			if err := Verify(signed, pub); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// TestIndependentVerification re-implements SPEC.md's recipe with plain byte operations, as
// an auditor with other tools would: take the signature value, replace it with the empty
// string, verify the Ed25519 signature over the resulting bytes.
func TestIndependentVerification(t *testing.T) {
	pub, priv := newKey(t)
	data, err := Marshal(fixtureReport(), priv)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	var sig struct{ Value string }
	if err := json.Unmarshal(top["signature"], &sig); err != nil || sig.Value == "" {
		t.Fatalf("no signature value: %v", err)
	}
	// SPEC.md spells the signed member `"value":""`; the report writes it in exactly that
	// spelling, so replacing the whole member by that literal gives the signed bytes.
	needle := []byte(`"value":"` + sig.Value + `"`)
	if n := bytes.Count(data, needle); n != 1 {
		t.Fatalf("value occurs %d times, want once", n)
	}
	blank := bytes.Replace(data, needle, []byte(`"value":""`), 1)
	raw, err := base64.StdEncoding.DecodeString(sig.Value)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(pub, blank, raw) {
		t.Fatal("independent verification failed")
	}
}

func TestFingerprint(t *testing.T) {
	pub := ed25519.PublicKey(bytes.Repeat([]byte{0}, ed25519.PublicKeySize))
	// sha256 of 32 zero bytes is 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925.
	want := "SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU"
	if got := Fingerprint(pub); got != want {
		t.Errorf("Fingerprint = %q, want %q", got, want)
	}
}
