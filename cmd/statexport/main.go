// Command statexport turns personal-data register extracts into differentially private
// statistics (see SPEC.md). This package is a thin cobra layer: every decision lives in the
// pipeline, anonymize, connectors and config packages, and exit codes in pipeline/exitcode.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/pipeline/exitcode"
)

// Set with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// globals are the flags every command shares.
type globals struct {
	logFormat string
	quiet     bool
	log       *slog.Logger
}

func main() {
	silenceGlog()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// silenceGlog makes the DP library's glog write to stderr instead of log files in the temp
// directory: nothing but outputs and the ledger may be written to disk.
func silenceGlog() {
	for name, value := range map[string]string{"logtostderr": "true", "stderrthreshold": "FATAL"} {
		if f := flag.CommandLine.Lookup(name); f != nil {
			_ = f.Value.Set(value)
		}
	}
}

// execute runs the command line and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{}
	root := &cobra.Command{
		Use:           "statexport",
		Short:         "Turn register extracts into statistics that cannot be linked to any person",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			g.log, err = newLogger(stderr, g.logFormat, g.quiet)
			return err
		},
	}
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text | json")
	root.PersistentFlags().BoolVar(&g.quiet, "quiet", false, "log only errors")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(newRunCmd(g), newValidateCmd(g), newBudgetCmd(), newVersionCmd(),
		newScanCmd(), newKeygenCmd(), newAuditCmd(), newInspectCmd())

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitcode.OK
	}
	code := codeOf(err)
	if isUsage(err) || (cmd != nil && cmd == root) {
		code = exitcode.Usage
	}
	if g.log == nil {
		g.log, _ = newLogger(stderr, g.logFormat, false)
	}
	if g.log == nil {
		g.log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	g.log.Error(cmdName(cmd)+" failed", "error", err.Error(), "exit_code", code)
	return code
}

func cmdName(c *cobra.Command) string {
	if c == nil {
		return "statexport"
	}
	return c.CommandPath()
}

func newLogger(w io.Writer, format string, quiet bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError(fmt.Errorf("--log-format: must be text or json"))
}

// usage marks command-line mistakes (exit 2).
type usage struct{ err error }

func (u usage) Error() string { return u.err.Error() }
func (u usage) Unwrap() error { return u.err }

func usageError(err error) error { return usage{err} }

// noArgs refuses positional arguments as the usage error (exit 2) they are; cobra.NoArgs alone
// returns a plain error, which would exit 1.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError(err)
	}
	return nil
}

func isUsage(err error) bool {
	var u usage
	return errors.As(err, &u)
}
