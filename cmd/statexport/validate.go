package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline"
)

func newValidateCmd(g *globals) *cobra.Command {
	var cfg string
	cmd := &cobra.Command{
		Use:   "validate --config JOB.yaml",
		Short: "Check the config, the source's header and a sample of rows; print the privacy plan",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg == "" {
				return usageError(fmt.Errorf("--config is required"))
			}
			j, err := config.Load(cfg, os.Environ())
			if err != nil {
				return err
			}
			return pipeline.Validate(cmd.Context(), j, pipeline.Options{Stdout: cmd.OutOrStdout(), Log: g.log})
		},
	}
	cmd.Flags().StringVar(&cfg, "config", "", "job config (YAML)")
	return cmd
}
