package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline"
)

func newRunCmd(g *globals) *cobra.Command {
	var cfg, release string
	var dryRun bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "run --config JOB.yaml [--release ID] [--dry-run] [--wait DURATION]",
		Short: "Run one release of a job: pull, drop, protect, write tables, report, ledger entry",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg == "" {
				return usageError(fmt.Errorf("--config is required"))
			}
			j, err := config.Load(cfg, os.Environ())
			if err != nil {
				return err
			}
			opts := pipeline.Options{
				Release: release, DryRun: dryRun, Wait: wait, Stdout: cmd.OutOrStdout(),
				Log: g.log, Version: versionString(),
			}
			if !g.quiet && isTerminal(os.Stderr) {
				opts.Progress = progress(os.Stderr)
				defer fmt.Fprint(os.Stderr, "\r\033[K")
			}
			sum, err := pipeline.Run(cmd.Context(), j, opts)
			if err != nil || sum == nil {
				return err
			}
			line, err := json.Marshal(sum)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(line))
			return err
		},
	}
	cmd.Flags().StringVar(&cfg, "config", "", "job config (YAML)")
	cmd.Flags().StringVar(&release, "release", "", "release id (default: today in budget.timezone, YYYY-MM-DD)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the privacy plan and input counts; publish, spend and write nothing")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for the ledger's lock instead of exiting 4")
	return cmd
}

// isTerminal reports whether f is a character device (a terminal), for the progress bar.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func progress(f *os.File) func(int64) {
	last := time.Time{}
	return func(records int64) {
		if time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(f, "\r\033[Kreading: %d records", records)
	}
}
