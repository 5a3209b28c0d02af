package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"
)

// Sentinel errors. Callers map them to exit codes with errors.Is (SPEC.md "Command line").
var (
	// ErrLocked means another run holds the ledger's lock (exit 4).
	ErrLocked = errors.New("another run holds the ledger's lock")
	// ErrBudgetExceeded means the release would exceed the period's privacy budget (exit 3).
	ErrBudgetExceeded = errors.New("the release would exceed the period's privacy budget")
	// ErrReleaseExists means the (job, release) pair is already in the ledger (exit 3).
	ErrReleaseExists = errors.New("release already in the ledger")
	// ErrBrokenChain means a line's prev_sha256 does not match the previous line, or a complete line
	// cannot be parsed and so cannot be verified (budget: exit 5; audit: the ledger check fails).
	ErrBrokenChain = errors.New("ledger hash chain broken")
	// ErrMalformed means a complete line is not a valid entry. Errors wrapping it also wrap
	// ErrBrokenChain, because an unparseable line breaks the verifiable chain.
	ErrMalformed = errors.New("malformed ledger entry")
	// ErrUnreadable means the ledger file exists but cannot be read (a directory, no permission,
	// not a regular file) (exit 2).
	ErrUnreadable = errors.New("ledger unreadable")
	// ErrChanged means the ledger file changed on disk since it was read, which means a writer did not
	// hold the lock; Append refuses to write (exit 1).
	ErrChanged = errors.New("ledger changed since it was read")
)

// Input is the entry's input block: exact counts, which is why the ledger never leaves the
// controller. Field order is the JSON order.
type Input struct {
	Type                    string `json:"type"`
	SHA256                  string `json:"sha256,omitempty"` // file sources only
	RowsRead                int64  `json:"rows_read"`        // every data record, rejected and excluded included
	RowsRejected            int64  `json:"rows_rejected"`
	RowsExcludedConsent     int64  `json:"rows_excluded_consent"`
	RowsOutsidePublicValues int64  `json:"rows_outside_public_values"`
}

// Entry is one ledger line: one published release. Field order is the JSON order.
type Entry struct {
	Job              string  `json:"job"`
	Register         string  `json:"register"`
	Release          string  `json:"release"`
	Period           string  `json:"period"` // PeriodOf the release time: "2026", "2026-Q4", "2026-11"
	Epsilon          float64 `json:"epsilon"`
	Delta            float64 `json:"delta"`
	EpsilonPerPeriod float64 `json:"epsilon_per_period"` // the limit configured for this release
	At               string  `json:"at"`                 // RFC 3339
	ReportSHA256     string  `json:"report_sha256"`
	OutputDir        string  `json:"output_dir"`
	Input            Input   `json:"input"`
	PrevSHA256       string  `json:"prev_sha256"` // hex sha256 of the previous line without its newline; "" first
}

// LineError is an error about one line of a ledger file. It never holds the line's content.
type LineError struct {
	Path   string // the ledger file
	Line   int    // 1-based
	Reason string // what is wrong, without any value from the line
	Err    error  // ErrBrokenChain or ErrMalformed
}

// Error names the file and the line.
func (e *LineError) Error() string {
	return fmt.Sprintf("ledger %s line %d: %s: %v", e.Path, e.Line, e.Reason, e.Err)
}

// Unwrap returns the sentinel; a malformed line also unwraps to ErrBrokenChain.
func (e *LineError) Unwrap() []error {
	if errors.Is(e.Err, ErrMalformed) {
		return []error{e.Err, ErrBrokenChain}
	}
	return []error{e.Err}
}

// Ledger is a ledger file as read by Read, updated in place by Append.
type Ledger struct {
	// Path is the ledger file.
	Path string
	// Entries holds every well-formed complete line, in file order.
	Entries []Entry
	// Head is the hex sha256 of the last complete line without its newline; "" when there is none.
	// The next entry's prev_sha256 must equal it.
	Head string
	// Torn is true when the file ends with a line that has no newline: a write of a run killed
	// mid-append, never committed. Read ignores it; Append truncates it before writing.
	Torn bool
	// Broken is the first chain or format error Read found (the error Read returned), nil when
	// the chain is intact. Append refuses to extend a broken ledger.
	Broken error
	// Lines is the number of complete lines (well-formed or not).
	Lines int

	size    int64 // bytes of complete lines
	tornLen int64 // bytes of the torn tail
}

// Read reads and verifies the ledger at path. A missing file is an empty ledger.
//
// The hash chain is verified: the first line's prev_sha256 must be "" and every other line's
// must equal the sha256 of the previous line's bytes (without its newline). A final line
// without a newline is a torn, uncommitted append: it is ignored and reported in Ledger.Torn.
//
// Errors: an unreadable file wraps ErrUnreadable and returns a nil *Ledger. A chain mismatch
// (ErrBrokenChain) or a malformed complete line (ErrMalformed, which also matches
// ErrBrokenChain) returns a *LineError naming the first bad line AND a non-nil *Ledger holding
// every well-formed line, so that `budget` can print what it can; such a ledger must not be
// used to admit a release (Append refuses it).
func Read(path string) (*Ledger, error) {
	l := &Ledger{Path: path}
	// Stat before opening: opening a FIFO would block.
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, unreadable(path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: %s: is a directory", ErrUnreadable, path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: not a regular file", ErrUnreadable, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, unreadable(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, unreadable(path, err)
	}
	return l, l.parse(data)
}

func unreadable(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%w: %s: %v", ErrUnreadable, path, err)
}

// parse fills l from the file's bytes; it returns (and records in l.Broken) the first error.
func (l *Ledger) parse(data []byte) error {
	prev := ""
	for lineNo := 1; len(data) > 0; lineNo++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			l.Torn = true
			l.tornLen = int64(len(data))
			break
		}
		line := data[:i]
		data = data[i+1:]
		l.size += int64(i + 1)
		l.Lines++
		sum := sha256.Sum256(line)
		e, reason := parseLine(line)
		switch {
		case reason != "":
			l.fail(&LineError{Path: l.Path, Line: lineNo, Reason: reason, Err: ErrMalformed})
		case e.PrevSHA256 != prev:
			reason := "prev_sha256 does not match the previous line"
			if prev == "" {
				reason = "the first line's prev_sha256 must be empty"
			}
			l.fail(&LineError{Path: l.Path, Line: lineNo, Reason: reason, Err: ErrBrokenChain})
			l.Entries = append(l.Entries, e)
		default:
			l.Entries = append(l.Entries, e)
		}
		prev = hex.EncodeToString(sum[:])
	}
	l.Head = prev
	return l.Broken
}

func (l *Ledger) fail(err error) {
	if l.Broken == nil {
		l.Broken = err
	}
}

// parseLine decodes and validates one line (without its newline). On failure it returns a
// reason that quotes nothing from the line.
func parseLine(line []byte) (Entry, string) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, jsonReason(err)
	}
	if dec.More() {
		return Entry{}, "more than one JSON value"
	}
	if _, err := dec.Token(); err != io.EOF {
		return Entry{}, "trailing data after the JSON object"
	}
	if reason := validate(e); reason != "" {
		return Entry{}, reason
	}
	return e, ""
}

// jsonReason describes a decoding error without quoting the input (json.SyntaxError's text
// quotes the offending character).
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON (byte %d)", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %s: wrong JSON type", te.Field)
		}
		return "not a JSON object"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or truncated line"
	default:
		// DisallowUnknownFields: `json: unknown field "name"` quotes a key, not a value, but a
		// hand-edited line could put anything there.
		return "unknown field or invalid JSON"
	}
}

// validate checks what the budget arithmetic and the chain rely on.
func validate(e Entry) string {
	switch {
	case e.Job == "":
		return "job: must not be empty"
	case e.Register == "":
		return "register: must not be empty"
	case e.Release == "":
		return "release: must not be empty"
	case e.Period == "":
		return "period: must not be empty"
	case math.IsNaN(e.Epsilon) || math.IsInf(e.Epsilon, 0) || e.Epsilon < 0:
		return "epsilon: must be a finite number >= 0"
	case math.IsNaN(e.Delta) || math.IsInf(e.Delta, 0) || e.Delta < 0 || e.Delta >= 1:
		return "delta: must be in [0, 1)"
	case math.IsNaN(e.EpsilonPerPeriod) || math.IsInf(e.EpsilonPerPeriod, 0) || e.EpsilonPerPeriod <= 0:
		return "epsilon_per_period: must be a finite number > 0"
	case !isHexSHA256(e.PrevSHA256) && e.PrevSHA256 != "":
		return "prev_sha256: must be 64 lower-case hex digits or empty"
	case !isHexSHA256(e.ReportSHA256):
		return "report_sha256: must be 64 lower-case hex digits"
	}
	if _, err := time.Parse(time.RFC3339, e.At); err != nil {
		return "at: must be an RFC 3339 time"
	}
	return ""
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// encodeLine is the JSON form of e, without a newline. HTML escaping is off so paths read as
// written; the bytes are what the chain hashes, so any stable encoding would do.
func encodeLine(e Entry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Has reports whether the ledger holds release id release of job (release ids are unique per job).
func (l *Ledger) Has(job, release string) bool {
	_, ok := l.Find(job, release)
	return ok
}

// Find returns the entry of job's release, if the ledger holds it.
func (l *Ledger) Find(job, release string) (Entry, bool) {
	for _, e := range l.Entries {
		if e.Job == job && e.Release == release {
			return e, true
		}
	}
	return Entry{}, false
}

// Append commits e: it sets e.PrevSHA256 to l.Head, writes the line and its newline with one
// write to the file opened O_APPEND (created with mode 0600: it holds exact counts), fsyncs the
// file (the commit point), fsyncs the directory when it created the file, and updates l. It
// returns the new head. The caller must hold the lock (Lock) since it read l.
//
// Append refuses (writing nothing) a broken ledger (l.Broken), an invalid entry, a (job,
// release) already present (ErrReleaseExists), and a file whose size changed since Read
// (ErrChanged). A torn tail (l.Torn) is truncated first. If the write or fsync fails, Append
// truncates the file back to its committed size and returns the error: the release is then
// not committed (if even the truncation fails, the line may survive, which only spends budget).
func (l *Ledger) Append(e Entry) (string, error) {
	if l.Broken != nil {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, l.Broken)
	}
	e.PrevSHA256 = l.Head
	if reason := validate(e); reason != "" {
		return "", fmt.Errorf("append to ledger %s: %s", l.Path, reason)
	}
	if l.Has(e.Job, e.Release) {
		return "", fmt.Errorf("append to ledger %s: job %s release %s: %w", l.Path, e.Job, e.Release, ErrReleaseExists)
	}
	line, err := encodeLine(e)
	if err != nil {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, err)
	}
	dir := filepath.Dir(l.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, err)
	}
	created := false
	f, err := os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
		created = err == nil
	}
	if err != nil {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, err)
	}
	if st.Size() != l.size+l.tornLen {
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, ErrChanged)
	}
	if l.Torn {
		if err := f.Truncate(l.size); err != nil {
			return "", fmt.Errorf("append to ledger %s: truncate the torn last line: %w", l.Path, err)
		}
		l.Torn, l.tornLen = false, 0
	}
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	n, err := f.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil && created {
		// The new file's name must be durable too, or a crash could lose the whole ledger.
		err = syncDir(dir)
	}
	if err != nil {
		if terr := f.Truncate(l.size); terr == nil {
			_ = f.Sync()
		}
		return "", fmt.Errorf("append to ledger %s: %w", l.Path, err)
	}
	sum := sha256.Sum256(line)
	l.Head = hex.EncodeToString(sum[:])
	l.Entries = append(l.Entries, e)
	l.size += int64(len(buf))
	l.Lines++
	return l.Head, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
