package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/pipeline/report"
)

// Sentinel errors of Run. Callers map them to exit codes with errors.Is.
var (
	// ErrCheckFailed: at least one check failed (exit 5). Run returns it with every result.
	ErrCheckFailed = errors.New("audit: a check failed")
	// ErrUnreadable: the report, the --pubkey file or the --ledger file cannot be read or is not
	// what it should be, so no audit ran (exit 2).
	ErrUnreadable = errors.New("audit: cannot read the release")
)

// The checks, in the order Run makes and prints them.
const (
	CheckSignature   = "signature"
	CheckFiles       = "files"
	CheckScan        = "scan"
	CheckMinPersons  = "min_persons"
	CheckEpsilon     = "epsilon"
	CheckNoiseScales = "noise_scales"
	CheckLedger      = "ledger"
)

// Checks lists every check name in the order Run reports them.
var Checks = []string{CheckSignature, CheckFiles, CheckScan, CheckMinPersons, CheckEpsilon, CheckNoiseScales, CheckLedger}

// Status is a check's outcome.
type Status string

// The outcomes. Only StatusFail makes an audit fail; StatusSkip is the ledger check under
// Options.NoLedger.
const (
	StatusPass Status = "PASS"
	StatusFail Status = "FAIL"
	StatusSkip Status = "SKIP"
)

// Result is one check's outcome. Detail says why it failed or was skipped, or adds a note to
// a pass (the signature's: authenticity unproven, or integrity resting on the ledger); it
// never holds a cell value.
type Result struct {
	Name   string
	Status Status
	Detail string
}

// String renders the result as `statexport audit` prints it: "PASS name", "PASS name: note",
// "FAIL name: why" or "SKIP name: why".
func (r Result) String() string {
	if r.Detail == "" {
		return string(r.Status) + " " + r.Name
	}
	return string(r.Status) + " " + r.Name + ": " + r.Detail
}

// Options are the audit's command-line choices.
type Options struct {
	// PublicKey is a PKIX PEM public key file (--pubkey): the signature must verify against
	// it. Empty: the key embedded in the report is used, which proves integrity, not
	// authenticity.
	PublicKey string
	// Ledger is the ledger file (--ledger); empty means the report's budget.ledger.
	Ledger string
	// NoLedger skips the ledger check (--no-ledger): the signature is then the only integrity
	// anchor, so for an unsigned report the signature check is skipped too, saying so.
	NoLedger bool
}

// auditor carries one audit's inputs.
type auditor struct {
	path   string // report.json
	dir    string // its directory: table paths are relative to it
	data   []byte // report.json's exact bytes
	sha    string // their hex sha256
	rep    report.Report
	opt    Options
	pub    ed25519.PublicKey // from --pubkey
	tables []tableFile
}

// tableFile is one table the report names, read once for every check that needs it.
type tableFile struct {
	meta    report.Table
	path    string // absolute or relative to the working directory; "" when the path is unsafe
	pathErr string // why the path was refused
	table   parquetsink.Table
	footer  map[string]string
	readErr error
}

// Run audits the release whose report.json is at reportPath and returns one Result per
// check, in Checks order. The error is nil when every check passed or was skipped, wraps
// ErrCheckFailed when one failed (the results are still returned), and wraps ErrUnreadable
// when the report, the --pubkey key or the --ledger file cannot be read (no results then).
// With both Ledger and NoLedger set, NoLedger wins.
func Run(reportPath string, opt Options) ([]Result, error) {
	a := &auditor{path: reportPath, dir: filepath.Dir(reportPath), opt: opt}
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	a.data = data
	sum := sha256.Sum256(data)
	a.sha = hex.EncodeToString(sum[:])
	if err := json.Unmarshal(data, &a.rep); err != nil {
		return nil, fmt.Errorf("%w: %s is not a report.json: %v", ErrUnreadable, reportPath, jsonProblem(err))
	}
	if a.rep.SchemaVersion == 0 || a.rep.Job == "" || a.rep.Release == "" {
		return nil, fmt.Errorf("%w: %s is not a report.json: schema_version, job or release missing", ErrUnreadable, reportPath)
	}
	if opt.PublicKey != "" {
		pub, err := report.LoadPublicKey(opt.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w: --pubkey: %v", ErrUnreadable, err)
		}
		a.pub = pub
	}
	if opt.Ledger != "" && !opt.NoLedger {
		st, err := os.Stat(opt.Ledger)
		if err != nil {
			return nil, fmt.Errorf("%w: --ledger: %v", ErrUnreadable, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: --ledger %s: not a regular file", ErrUnreadable, opt.Ledger)
		}
	}
	a.readTables()

	results := []Result{
		a.checkSignature(),
		a.checkFiles(),
		a.checkScan(),
		a.checkMinPersons(),
		a.checkEpsilon(),
		a.checkNoiseScales(),
		a.checkLedger(),
	}
	for _, r := range results {
		if r.Status == StatusFail {
			return results, ErrCheckFailed
		}
	}
	return results, nil
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s holds a JSON %s, want %s", te.Field, te.Value, te.Type)
	}
	return "invalid JSON"
}

// resolve turns a table's path (relative to the report, as SPEC says) into a file path; it
// refuses absolute paths and paths that leave the report's directory.
func (a *auditor) resolve(p string) (string, string) {
	if p == "" {
		return "", "no path"
	}
	if filepath.IsAbs(p) || strings.Contains(p, `\`) {
		return "", "path is not relative to the report"
	}
	clean := filepath.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", "path leaves the report's directory"
	}
	return filepath.Join(a.dir, clean), ""
}

func (a *auditor) readTables() {
	for _, t := range a.rep.Tables {
		tf := tableFile{meta: t}
		tf.path, tf.pathErr = a.resolve(t.Path)
		if tf.path != "" {
			tf.table, tf.footer, tf.readErr = parquetsink.Read(tf.path)
		}
		a.tables = append(a.tables, tf)
	}
}

// fileSHA256 returns the hex sha256 of a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileProblem names why a file could not be hashed, without the OS error's noise.
func fileProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case errors.Is(err, fs.ErrPermission):
		return "not readable (permission denied)"
	}
	return "not readable"
}

// problems collects a check's findings and renders at most a few of them.
type problems struct {
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) result(name string) Result {
	if len(p.list) == 0 {
		return Result{Name: name, Status: StatusPass}
	}
	const shown = 6
	msg := strings.Join(p.list[:min(len(p.list), shown)], "; ")
	if len(p.list) > shown {
		msg += fmt.Sprintf("; and %d more", len(p.list)-shown)
	}
	return Result{Name: name, Status: StatusFail, Detail: msg}
}
