// Package exitcode decides, in one place, which exit code an error means (SPEC.md "Command
// line"). Errors carry their meaning through types and sentinels; main calls Of once.
package exitcode

import (
	"errors"

	"github.com/statexport/statexport/config"
)

// Exit codes.
const (
	OK       = 0 // success
	Failed   = 1 // run failed: bad data, I/O
	Usage    = 2 // usage or config error
	Refused  = 3 // budget exceeded or release already in the ledger; nothing written
	Locked   = 4 // another run holds the ledger's lock
	Findings = 5 // a scan or audit found a problem
)

// Error attaches an exit code to an error.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With wraps err with an exit code (nil stays nil).
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Of returns the exit code err means: an explicit *Error's code, 2 for config errors, 1 for
// everything else (malformed input, I/O, interruption).
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		return Usage
	}
	return Failed // malformed input (*connectors.ParseError), I/O, interruption

}
