package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/statexport/statexport/pipeline/report"
)

// newKeygenCmd is `statexport keygen --out PREFIX` (SPEC.md "Command line"): it writes an
// Ed25519 key pair, PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (PKIX PEM), and refuses
// to overwrite either. Every failure is exit 2 (SPEC lists 0 and 2 only); a refusal wraps
// report.ErrKeyExists.
func newKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out PREFIX",
		Short: "Write an Ed25519 key pair for signing reports: PREFIX.key and PREFIX.pub",
		Long: "keygen writes PREFIX.key (PKCS#8 PEM, mode 0600: keep it with the controller, and point\n" +
			"report.signing_key at it) and PREFIX.pub (PKIX PEM: give it to auditors, who pass it to\n" +
			"statexport audit --pubkey). It never overwrites an existing file.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(errors.New("keygen: --out PREFIX is required"))
			}
			if err := report.GenerateKey(out); err != nil {
				return usageError(err)
			}
			pub, err := report.LoadPublicKey(out + ".pub")
			if err != nil {
				return usageError(err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "private key: %s.key (mode 0600; set report.signing_key to it)\n", out)
			fmt.Fprintf(w, "public key:  %s.pub (for statexport audit --pubkey)\n", out)
			fmt.Fprintf(w, "fingerprint: %s\n", report.Fingerprint(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "path prefix of the key files (PREFIX.key and PREFIX.pub)")
	return cmd
}
