package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/statexport/statexport/connectors/inspect"
)

// newInspectCmd is `statexport inspect SOURCE [--format F] [--encoding E] [--delimiter D]`:
// it profiles a bounded sample of a new extract and prints a draft job config to stdout.
// Exit codes: 0 printed, 2 usage (errors wrapping inspect.ErrUsage), 1 unreadable data.
func newInspectCmd() *cobra.Command {
	var format, encoding, delimiter string
	cmd := &cobra.Command{
		Use:   "inspect SOURCE [--format F] [--encoding E] [--delimiter D]",
		Short: "Profile a new extract and print a draft job config",
		Long: "Profile the first 10000 records of SOURCE and print a draft job config (YAML) to stdout.\n" +
			"Its comments profile each column: type, share empty, distinct-count bucket and how many\n" +
			"values look like a HETU, personnummer, e-mail, phone, IBAN or name (counts only, never a\n" +
			"value). Roles are suggestions a person must review.\n\n" +
			"SOURCE is a file (.csv .tsv .txt, .xlsx[#SHEET], .parquet, .jsonl .ndjson; --format\n" +
			"overrides the extension), or DSN_ENV:TABLE or DSN_ENV:SELECT ... for PostgreSQL, where\n" +
			"DSN_ENV names the environment variable holding the DSN.\n" +
			"Exit codes: 0 printed, 1 unreadable data, 2 usage error.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(fmt.Errorf("%w: inspect: exactly one SOURCE is required", inspect.ErrUsage))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := inspect.ParseTarget(args[0], format, encoding, delimiter)
			if err != nil {
				return usageError(err)
			}
			err = inspect.Inspect(cmd.Context(), cmd.OutOrStdout(), t, os.Getenv, 0)
			if errors.Is(err, inspect.ErrUsage) {
				return usageError(err)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "source type: csv | xlsx | parquet | jsonl | postgres (default: from the extension)")
	cmd.Flags().StringVar(&encoding, "encoding", "", "csv: auto | utf-8 | windows-1252 | iso-8859-15")
	cmd.Flags().StringVar(&delimiter, "delimiter", "", `csv: auto | ";" | "," | "\t" | "|"`)
	return cmd
}
