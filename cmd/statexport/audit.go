package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/pipeline/audit"
	"github.com/statexport/statexport/pipeline/exitcode"
)

// newAuditCmd is `statexport audit REPORT.json [--pubkey FILE] [--ledger FILE | --no-ledger]`
// (SPEC.md "inspect, scan, audit"). It prints one line per check to stdout — "PASS name",
// "PASS name: note", "FAIL name: why" or "SKIP name: why" — and exits 0 when no check
// failed, 5 when one did (audit.ErrCheckFailed), 2 when the report, key or ledger cannot be
// read (audit.ErrUnreadable) or the flags are wrong.
func newAuditCmd() *cobra.Command {
	var opt audit.Options
	cmd := &cobra.Command{
		Use:   "audit REPORT.json [--pubkey FILE] [--ledger FILE | --no-ledger]",
		Short: "Verify a published release: signature, file hashes, no personal data, thresholds, budget, ledger",
		Long: "audit checks a release from its report.json and prints each check as PASS name or\n" +
			"FAIL name: why. Without --pubkey the signature is checked against the key the report\n" +
			"carries, which proves it unchanged but not who signed it. An auditor without the\n" +
			"controller's ledger passes --no-ledger: the ledger check is skipped, and the signature\n" +
			"is then the only integrity anchor.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(fmt.Errorf("audit: want one REPORT.json, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.NoLedger && opt.Ledger != "" {
				return usageError(errors.New("audit: --ledger and --no-ledger exclude each other"))
			}
			results, err := audit.Run(args[0], opt)
			w := cmd.OutOrStdout()
			for _, r := range results {
				fmt.Fprintln(w, r.String())
			}
			switch {
			case err == nil:
				return nil
			case errors.Is(err, audit.ErrCheckFailed):
				return exitcode.With(exitcode.Findings, err)
			case errors.Is(err, audit.ErrUnreadable):
				return exitcode.With(exitcode.Usage, err)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&opt.PublicKey, "pubkey", "", "the controller's public key (PEM): the signature must verify against it")
	cmd.Flags().StringVar(&opt.Ledger, "ledger", "", "the controller's ledger (default: the report's budget.ledger)")
	cmd.Flags().BoolVar(&opt.NoLedger, "no-ledger", false, "skip the ledger check (the signature is then the only integrity anchor)")
	return cmd
}
