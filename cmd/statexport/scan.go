package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/scan"
)

// newScanCmd is `statexport scan [--json] PATH...`: one finding a line on stdout, never a
// value; exit 5 when there are findings, 2 when a file is unreadable (and none are found),
// 0 when clean.
func newScanCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "scan [--json] PATH...",
		Short: "Look for personal data in Parquet, CSV, JSONL and XLSX files",
		Long: "Scan files (directories are walked for .parquet, .csv, .tsv, .txt, .jsonl, .ndjson and\n" +
			".xlsx) for HETU, personnummer, e-mail addresses, phone numbers and IBANs. Each finding\n" +
			"is printed as FILE:ROW:COLUMN: KIND (or JSON Lines with --json); values are never printed.\n" +
			"Exit codes: 0 clean, 2 unreadable, 5 findings.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(errors.New("scan: at least one PATH is required"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, paths []string) error {
			out := bufio.NewWriter(cmd.OutOrStdout())
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			findings := 0
			var werr error
			err := scan.Files(cmd.Context(), paths, func(f scan.Finding) {
				findings++
				if werr != nil {
					return
				}
				if asJSON {
					werr = enc.Encode(struct {
						File   string `json:"file"`
						Sheet  string `json:"sheet,omitempty"`
						Row    int64  `json:"row"`
						Column string `json:"column"`
						Kind   string `json:"kind"`
					}{f.File, f.Sheet, f.Row, f.Column, string(f.Kind)})
				} else {
					_, werr = fmt.Fprintln(out, f.String())
				}
			})
			if ferr := out.Flush(); werr == nil {
				werr = ferr
			}
			if werr != nil {
				return fmt.Errorf("scan: write output: %w", werr)
			}
			switch {
			case findings > 0 && err != nil:
				return exitcode.With(exitcode.Findings, fmt.Errorf("%w: %d findings; also %s", scan.ErrFindings, findings, err))
			case findings > 0:
				return exitcode.With(exitcode.Findings, fmt.Errorf("%w: %d findings", scan.ErrFindings, findings))
			case errors.Is(err, scan.ErrUnreadable):
				return exitcode.With(exitcode.Usage, err)
			}
			return err // nil, or the context's error when interrupted
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON Lines {file, row, column, kind} instead of text")
	return cmd
}
