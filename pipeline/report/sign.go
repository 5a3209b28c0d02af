package report

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
)

// SignatureAlg is the only signature algorithm a report carries.
const SignatureAlg = "ed25519"

// Sentinel errors of this package. Callers map them to exit codes with errors.Is.
var (
	// ErrKeyExists: GenerateKey refuses to overwrite an existing PREFIX.key or PREFIX.pub.
	ErrKeyExists = errors.New("key file already exists")
	// ErrBadKey: a key file is not the PEM, type or algorithm expected.
	ErrBadKey = errors.New("not an Ed25519 key file")
	// ErrUnsigned: the report's signature member is null or absent.
	ErrUnsigned = errors.New("report is unsigned")
	// ErrBadSignature: the signature does not verify (the file changed, or another key signed it).
	ErrBadSignature = errors.New("signature does not verify")
	// ErrMalformedSignature: the report's signature member is not where or what SPEC.md says.
	ErrMalformedSignature = errors.New("malformed signature member")
)

// GenerateKey writes a fresh Ed25519 key pair: PREFIX.key (PKCS#8 PEM "PRIVATE KEY", mode
// 0600) and PREFIX.pub (PKIX PEM "PUBLIC KEY", mode 0644). It checks both paths before writing
// anything and returns an error wrapping ErrKeyExists when either exists; files are created
// with O_EXCL, and a half-written pair is removed.
func GenerateKey(prefix string) error {
	keyPath, pubPath := prefix+".key", prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("keygen %s: %w", p, ErrKeyExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keygen %s: %w", p, err)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if err := writeExcl(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return err
	}
	if err := writeExcl(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		_ = os.Remove(keyPath)
		return err
	}
	return nil
}

// writeExcl creates path (never replacing a file), sets its mode exactly (the umask aside),
// writes data and syncs it. On failure it removes what it created.
func writeExcl(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("keygen %s: %w", path, ErrKeyExists)
		}
		return fmt.Errorf("keygen %s: %w", path, err)
	}
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("keygen %s: %w", path, err)
	}
	return nil
}

// LoadPrivateKey reads a PKCS#8 PEM Ed25519 private key. warn is non-empty when the file is
// readable or writable by its group or others (mode & 0o077 != 0); the key is still returned.
func LoadPrivateKey(path string) (key ed25519.PrivateKey, warn string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("read signing key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("signing key %s has mode %04o: it should be readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, "", fmt.Errorf("read signing key %s: %w: want a PEM \"PRIVATE KEY\" block", path, ErrBadKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("read signing key %s: %w: not PKCS#8", path, ErrBadKey)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, "", fmt.Errorf("read signing key %s: %w: not Ed25519", path, ErrBadKey)
	}
	return priv, warn, nil
}

// LoadPublicKey reads a PKIX PEM Ed25519 public key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("read public key %s: %w: want a PEM \"PUBLIC KEY\" block", path, ErrBadKey)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read public key %s: %w: not PKIX", path, ErrBadKey)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("read public key %s: %w: not Ed25519", path, ErrBadKey)
	}
	return pub, nil
}

// Fingerprint names a public key for people: "SHA256:" and the unpadded base64 of the sha256
// of the raw 32-byte key (the style of ssh-keygen -l).
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// Marshal encodes r as report.json: indented JSON (two spaces), HTML characters unescaped,
// ending in a newline. With key nil the signature member is null. With a key, r.Signature is
// replaced (in the output only; r is not modified) by {alg, public_key, value}, where value
// is the base64 Ed25519 signature of these exact bytes with value empty, per SPEC.md.
func Marshal(r *Report, key ed25519.PrivateKey) ([]byte, error) {
	c := *r
	c.Signature = nil
	if key != nil {
		pub, ok := key.Public().(ed25519.PublicKey)
		if !ok || len(key) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("marshal report: %w", ErrBadKey)
		}
		c.Signature = &Signature{Alg: SignatureAlg, PublicKey: base64.StdEncoding.EncodeToString(pub)}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("marshal report: %w", err)
	}
	data := buf.Bytes()
	if key == nil {
		return data, nil
	}
	// SPEC.md spells the signed bytes' member `"value":""`: write exactly that, with no space
	// after the colon, so a verifier that blanks the string in place and one that rewrites the
	// whole member to `"value":""` get the same bytes.
	m := valueRe.FindAllIndex(data, -1)
	if len(m) == 0 {
		return nil, fmt.Errorf("marshal report: %w", ErrMalformedSignature)
	}
	last := m[len(m)-1]
	data = append(data[:last[0]:last[0]], append([]byte(`"value":""`), data[last[1]:]...)...)
	start, end, err := valueSpan(data)
	if err != nil || start != end {
		return nil, fmt.Errorf("marshal report: %w", ErrMalformedSignature)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, data))
	out := make([]byte, 0, len(data)+len(sig))
	out = append(out, data[:start]...)
	out = append(out, sig...)
	out = append(out, data[start:]...)
	return out, nil
}

// valueRe matches a "value" member holding a string of base64 characters.
var valueRe = regexp.MustCompile(`"value"\s*:\s*"([A-Za-z0-9+/=]*)"`)

// valueSpan finds the signature value: the last "value" member in data, whose string must be
// the last string of the file (only white space and closing braces may follow it). It returns
// the byte span of the string's contents, without quotes.
func valueSpan(data []byte) (start, end int, err error) {
	all := valueRe.FindAllSubmatchIndex(data, -1)
	if len(all) == 0 {
		return 0, 0, ErrMalformedSignature
	}
	m := all[len(all)-1]
	for _, b := range data[m[1]:] {
		switch b {
		case ' ', '\t', '\r', '\n', '}':
		default:
			return 0, 0, ErrMalformedSignature
		}
	}
	return m[2], m[3], nil
}

// Verify checks report.json's signature against pub: it blanks the last "value" string (either
// spacing around the colon is accepted) and verifies the Ed25519 signature over those exact
// bytes. It returns nil, or an error wrapping ErrUnsigned, ErrMalformedSignature or
// ErrBadSignature.
func Verify(data []byte, pub ed25519.PublicKey) error {
	sig, err := signatureMember(data)
	if err != nil {
		return err
	}
	if sig.Alg != SignatureAlg {
		return fmt.Errorf("%w: alg %q, want %q", ErrMalformedSignature, sig.Alg, SignatureAlg)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("verify: %w", ErrBadKey)
	}
	start, end, err := valueSpan(data)
	if err != nil {
		return err
	}
	// Strict: padding bits must be zero, so one signature has exactly one spelling.
	raw, err := base64.StdEncoding.Strict().DecodeString(string(data[start:end]))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return fmt.Errorf("%w: value is not a base64 Ed25519 signature", ErrMalformedSignature)
	}
	blank := make([]byte, 0, len(data))
	blank = append(blank, data[:start]...)
	blank = append(blank, data[end:]...)
	if !ed25519.Verify(pub, blank, raw) {
		return ErrBadSignature
	}
	return nil
}

// EmbeddedKey returns the public key the report carries in signature.public_key. It proves
// nothing about who signed: anyone can re-sign an edited report with a key of their own.
func EmbeddedKey(data []byte) (ed25519.PublicKey, error) {
	sig, err := signatureMember(data)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(sig.PublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public_key is not a base64 Ed25519 key", ErrMalformedSignature)
	}
	return ed25519.PublicKey(raw), nil
}

// signatureMember decodes the top-level signature member; null or absent gives ErrUnsigned.
func signatureMember(data []byte) (*Signature, error) {
	var top struct {
		Signature *Signature `json:"signature"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: report is not JSON", ErrMalformedSignature)
	}
	if top.Signature == nil {
		return nil, ErrUnsigned
	}
	return top.Signature, nil
}
