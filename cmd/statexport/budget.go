package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/ledger"
)

// newBudgetCmd is `statexport budget --ledger FILE [--register NAME] [--job NAME] [--json]`:
// per register and period the releases, ε spent, limit and remaining budget; lifetime totals per
// register; and the ledger's hash chain status (SPEC.md "Command line"). The summary and its
// text and JSON forms live in ledger.Summarize; this only parses flags and prints.
//
// It reads the ledger without taking its lock (it writes nothing; a torn last line of a run
// appending right now is ignored and noted). Exit codes: 0; 2 for a usage error or an
// unreadable ledger (a missing file is an empty ledger, not an error); 5 when the hash chain
// is broken, after printing what could be read and which line broke (ledger.ErrBrokenChain).
func newBudgetCmd() *cobra.Command {
	var o struct {
		ledger, register, job string
		json                  bool
	}
	cmd := &cobra.Command{
		Use:   "budget --ledger FILE [--register NAME] [--job NAME] [--json]",
		Short: "Show the privacy budget spent per register and period, and check the ledger's hash chain",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return exitcode.With(exitcode.Usage, fmt.Errorf("budget takes no arguments, got %d", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ledger == "" {
				return exitcode.With(exitcode.Usage, errors.New("budget: --ledger FILE is required"))
			}
			return budgetRun(cmd, o.ledger, o.register, o.job, o.json)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ledger, "ledger", "", "the ledger file (budget.ledger of the job config)")
	f.StringVar(&o.register, "register", "", "only this register (register.name)")
	f.StringVar(&o.job, "job", "", "only this job's releases (limit and remaining stay the register's)")
	f.BoolVar(&o.json, "json", false, "print one JSON object instead of a table")
	return cmd
}

// budgetRun reads the ledger, prints its summary, and returns the chain error if any.
func budgetRun(cmd *cobra.Command, path, register, job string, asJSON bool) error {
	l, err := ledger.Read(path)
	if l == nil {
		if errors.Is(err, ledger.ErrUnreadable) {
			return exitcode.With(exitcode.Usage, err)
		}
		return err
	}
	s := ledger.Summarize(l, register, job)
	w := cmd.OutOrStdout()
	if asJSON {
		err = s.WriteJSON(w)
	} else {
		err = s.WriteText(w)
	}
	if err != nil {
		return fmt.Errorf("budget: write output: %w", err)
	}
	if l.Broken != nil {
		return l.Broken // wraps ledger.ErrBrokenChain: exit 5
	}
	return nil
}
