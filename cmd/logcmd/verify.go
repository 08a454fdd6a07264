package logcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type verifyOptions struct {
	IO              *iostreams.IOStreams
	Path            string
	Format          output.Format
	Checkpoint      string
	WriteCheckpoint string
	PublicKey       string
	Now             func() time.Time
}

// VerifyReport is `log verify -o json`.
type VerifyReport struct {
	Log        string `json:"log"`
	OK         bool   `json:"ok"`
	Records    int    `json:"records"`
	LastSeq    int64  `json:"last_seq"`
	LastHash   string `json:"last_hash"`
	BadLine    int    `json:"bad_line,omitempty"`
	Problem    string `json:"problem,omitempty"`
	Checkpoint string `json:"checkpoint,omitempty"`
	// With --public-key: the signed checkpoints that verified, the last record they vouch
	// for, when it was signed, and how many records follow it unsigned.
	KeyID        string `json:"key_id,omitempty"`
	Signatures   *int   `json:"signed_checkpoints,omitempty"`
	SignedSeq    *int64 `json:"signed_seq,omitempty"`
	SignedHash   string `json:"signed_hash,omitempty"`
	SignedTime   string `json:"signed_time,omitempty"`
	UnsignedTail *int   `json:"unsigned_records,omitempty"`
	// Unsettled are the changes whose outcome is unknown or missing; they do not fail the
	// check (the chain is intact), but someone should look.
	Unsettled []UnsettledIntent `json:"unsettled"`
}

func newCmdVerify(f *factory.Factory, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; with a checkpoint, detect truncation",
		Long: `Verify recomputes every record's hash and checks that each record links to the one
before it. Exit 0: the chain is intact. Exit 1: the first bad line is named.

A chain that was cut short is still a valid chain. To catch truncation, write a checkpoint
now (store it somewhere the log's writers cannot change) and verify against it later.

Anyone who can write the log can also rewrite it with a consistent chain. With a signing key
configured (adkit log keygen, profile key log_signing_key) every run ends with a signed
checkpoint record; --public-key checks each signature and reports the last signed record:
history up to there cannot be rewritten without the private key. A log with no signed
checkpoint fails when --public-key is given.`,
		Example: `  adkit log verify
  adkit log verify --write-checkpoint /secure/adkit-2026-11.checkpoint
  adkit log verify --checkpoint /secure/adkit-2026-11.checkpoint
  adkit log verify --public-key /etc/adkit/log-signing.key.pub`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(output.FormatTable, output.FormatJSON); err != nil {
				return err
			}
			if opts.Path, err = auditLogPath(f); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, verifyRun)
		},
	}
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "a checkpoint written earlier: also fail if the log was truncated or rewritten since")
	cmd.Flags().StringVar(&opts.PublicKey, "public-key", "", "also check the signed checkpoints with this Ed25519 public key (FILE.pub of adkit log keygen)")
	cmd.Flags().StringVar(&opts.WriteCheckpoint, "write-checkpoint", "", "after a successful check, write a checkpoint of the log's current end to FILE (0600)")
	return cmd
}

func verifyRun(ctx context.Context, opts *verifyOptions) error {
	file, err := audit.OpenLog(opts.Path)
	// With a checkpoint or a key, a missing log is not "nothing to verify": it was signed for.
	if errors.Is(err, os.ErrNotExist) && opts.Checkpoint == "" && opts.PublicKey == "" {
		fmt.Fprintf(opts.IO.ErrOut, "no audit log at %s: nothing to verify\n", opts.Path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open audit log: %w", err)
	}
	defer file.Close()

	var res audit.VerifyResult
	var signed *audit.SignedResult
	if opts.PublicKey != "" {
		pub, err := audit.LoadPublicKey(opts.PublicKey)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if opts.Checkpoint != "" {
			// Both: the checkpoint file's truncation check, then the signatures.
			cp, err := audit.ReadCheckpoint(opts.Checkpoint)
			if err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("checkpoint: %w", err)}
			}
			if res, err = audit.VerifyAgainst(file, cp); err != nil {
				return fmt.Errorf("verify %s: %w", opts.Path, err)
			}
			if _, err := file.Seek(0, 0); err != nil {
				return fmt.Errorf("verify %s: %w", opts.Path, err)
			}
		}
		sr, err := audit.VerifySigned(file, pub)
		if err != nil {
			return fmt.Errorf("verify %s: %w", opts.Path, err)
		}
		if sr.Problem == nil && sr.Checkpoints == 0 {
			sr.Problem = &audit.Problem{Line: sr.Records, Reason: fmt.Sprintf("no checkpoint signed with key %s: the log was never signed with it, or its signed records were removed", sr.KeyID)}
		}
		signed = &sr
		if res.Problem == nil {
			res = sr.VerifyResult
		}
	} else if opts.Checkpoint != "" {
		cp, err := audit.ReadCheckpoint(opts.Checkpoint)
		if err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("checkpoint: %w", err)}
		}
		res, err = audit.VerifyAgainst(file, cp)
		if err != nil {
			return fmt.Errorf("verify %s: %w", opts.Path, err)
		}
	} else if res, err = audit.Verify(file); err != nil {
		return fmt.Errorf("verify %s: %w", opts.Path, err)
	}

	report := VerifyReport{Log: opts.Path, OK: res.Problem == nil, Records: res.Records, LastSeq: res.LastSeq, LastHash: res.LastHash, Checkpoint: opts.Checkpoint}
	if res.Problem != nil {
		report.BadLine, report.Problem = res.Problem.Line, res.Problem.Reason
	}
	if signed != nil {
		report.KeyID, report.Signatures, report.SignedSeq, report.SignedHash, report.SignedTime, report.UnsignedTail =
			signed.KeyID, &signed.Checkpoints, &signed.SignedSeq, signed.SignedHash, signed.SignedTime, &signed.Unsigned
	}
	open, err := audit.Open(ctx, audit.OpenFileLog(opts.Path))
	if err != nil && report.OK {
		return fmt.Errorf("read %s: %w", opts.Path, err)
	}
	report.Unsettled = unsettledJSON(open)
	if report.OK && opts.WriteCheckpoint != "" {
		if err := audit.WriteCheckpoint(opts.WriteCheckpoint, res.Checkpoint(opts.Now())); err != nil {
			return err
		}
	}
	if opts.Format == output.FormatJSON {
		if err := output.WriteJSON(opts.IO.Out, report); err != nil {
			return err
		}
	} else if report.OK {
		fmt.Fprintf(opts.IO.Out, "✓ %s: %d records, chain intact", opts.Path, res.Records)
		if opts.Checkpoint != "" {
			fmt.Fprint(opts.IO.Out, ", checkpoint matches")
		}
		fmt.Fprintln(opts.IO.Out)
		if signed != nil {
			fmt.Fprintf(opts.IO.Out, "✓ %d signed checkpoint(s) by key %s; last signed point: record %d (signed %s)",
				signed.Checkpoints, signed.KeyID, signed.SignedSeq, signed.SignedTime)
			if signed.Unsigned > 0 {
				fmt.Fprintf(opts.IO.Out, "; %d record(s) after it are not signed yet", signed.Unsigned)
			}
			fmt.Fprintln(opts.IO.Out)
		}
		if opts.WriteCheckpoint != "" {
			fmt.Fprintf(opts.IO.Out, "checkpoint written to %s (seq %d)\n", opts.WriteCheckpoint, res.LastSeq)
		}
	}
	if opts.Format != output.FormatJSON && len(report.Unsettled) > 0 {
		fmt.Fprintf(opts.IO.Out, "! %d change(s) without a known outcome (the request got no answer, or the process ended before writing it);\n"+
			"  running the same command again settles them; 'adkit log show --unsettled' lists them:\n", len(report.Unsettled))
		for i, u := range report.Unsettled {
			if i == 10 {
				fmt.Fprintf(opts.IO.Out, "  … and %d more\n", len(report.Unsettled)-10)
				break
			}
			fmt.Fprintf(opts.IO.Out, "  seq %d  %s  %s  %s  (op_id %s)\n", u.Intent.Seq, u.Intent.Action, targetName(u.Intent.Target), u.Outcome, u.Intent.OpID)
		}
	}
	if !report.OK {
		return fmt.Errorf("audit log %s fails verification at line %d: %s", opts.Path, report.BadLine, report.Problem)
	}
	return nil
}
