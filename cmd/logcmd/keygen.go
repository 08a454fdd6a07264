package logcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

type keygenOptions struct {
	IO  *iostreams.IOStreams
	Out string
}

func newCmdKeygen(f *factory.Factory, runF func(*keygenOptions) error) *cobra.Command {
	opts := &keygenOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Make an Ed25519 key pair for signing the audit log's checkpoints",
		Long: `Make an Ed25519 key pair. The private key goes to FILE (mode 0600, PKCS #8 PEM) and the
public key to FILE.pub (PKIX PEM; openssl reads both). Neither is printed.

Configure the private key with the profile key log_signing_key (or ADKIT_LOG_SIGNING_KEY):
every run that writes to the audit log then ends with a signed checkpoint record, and
'adkit log verify --public-key FILE.pub' checks them. Give the public key to the auditors,
and keep the private key where the people whose work the log records cannot read it
(docs/audit-log-signing.md).`,
		Example: `  adkit log keygen --out /etc/adkit/log-signing.key
  adkit log verify --public-key /etc/adkit/log-signing.key.pub`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return cmdutil.FlagErrorf("--out FILE is required: where to write the private key (the public key goes to FILE.pub)")
			}
			if runF != nil {
				return runF(opts)
			}
			return keygenRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the private key to FILE (0600) and the public key to FILE.pub")
	return cmd
}

func keygenRun(opts *keygenOptions) error {
	pub, id, err := audit.GenerateSigningKey(opts.Out)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	fmt.Fprintf(opts.IO.Out, "private key: %s (mode 0600; set log_signing_key to it in the profile)\npublic key:  %s (key id %s; give it to the auditors)\n", opts.Out, pub, id)
	return nil
}
