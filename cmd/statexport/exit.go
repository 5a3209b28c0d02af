package main

import (
	"errors"

	"github.com/statexport/statexport/connectors/csvsource"
	"github.com/statexport/statexport/connectors/xlsxsource"
	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/ledger"
)

// codeOf maps an error to its exit code: the sentinels of the command packages here, the rest
// through exitcode.Of.
func codeOf(err error) int {
	var explicit *exitcode.Error
	if errors.As(err, &explicit) {
		return explicit.Code // decided where the error arose (run's broken ledger: 1, not 5)
	}
	switch {
	case errors.Is(err, ledger.ErrLocked):
		return exitcode.Locked
	case errors.Is(err, ledger.ErrBrokenChain):
		return exitcode.Findings
	case errors.Is(err, csvsource.ErrOption):
		return exitcode.Usage // a bad encoding, delimiter or batch size in the config
	case errors.Is(err, xlsxsource.ErrNoSheet):
		return exitcode.Usage // source.sheet (or inspect's FILE#SHEET) names no sheet
	}
	return exitcode.Of(err)
}
