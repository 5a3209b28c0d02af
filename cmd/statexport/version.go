package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// libraries whose versions `version` reports.
var libraries = []string{
	"github.com/google/differential-privacy/go/v3",
	"github.com/apache/arrow/go/v17",
	"github.com/parquet-go/parquet-go",
}

func versionString() string { return version }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go and library versions",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			rev, ver := commit, version
			deps := map[string]string{}
			if info, ok := debug.ReadBuildInfo(); ok {
				if ver == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
					ver = info.Main.Version // go install …@vX.Y.Z stamps the module version
				}
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && rev == "" {
						rev = s.Value
					}
				}
				for _, d := range info.Deps {
					deps[d.Path] = d.Version
				}
			}
			if rev == "" {
				rev = "unknown"
			}
			fmt.Fprintf(w, "statexport %s\ncommit %s\ngo %s\n", ver, rev, runtime.Version())
			for _, l := range libraries {
				v := deps[l]
				if v == "" {
					v = "unknown"
				}
				fmt.Fprintf(w, "%s %s\n", l, v)
			}
			return nil
		},
	}
}
