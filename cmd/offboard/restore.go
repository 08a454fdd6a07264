package offboard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

// restorer is what restore needs from a directory.
type restorer interface {
	User(ctx context.Context, ident string) (*directory.User, error)
	RestoreLeaver(ctx context.Context, s *directory.LeaverSnapshot, newPassword secret.Secret) (directory.RestoreResult, error)
}

type restoreOptions struct {
	IO  *iostreams.IOStreams
	Dir func(context.Context) (restorer, error)
	// Cloud restores a cloud-only leaver (a snapshot of directory "entra"); Entra gives a
	// hybrid leaver their licences back. nil: not available.
	Cloud       func(context.Context) (cloudRestorer, error)
	Entra       func(context.Context) (licenser, error)
	Format      output.Format
	Target      string
	Snapshot    string
	SnapshotDir string // where to look when Snapshot is not given
	PasswordOut string
	DryRun      bool
}

func newCmdRestore(f *factory.Factory, runF func(*restoreOptions) error) *cobra.Command {
	opts := &restoreOptions{IO: f.IO, Dir: func(ctx context.Context) (restorer, error) { return f.AD(ctx) },
		Cloud: func(ctx context.Context) (cloudRestorer, error) { return f.Entra(ctx) },
		Entra: func(ctx context.Context) (licenser, error) { return f.EntraAlongside(ctx) }}
	cmd := &cobra.Command{
		Use:   "restore USER [--snapshot FILE] [--password-out FILE]",
		Short: "Put a rehire back as their leaver snapshot shows them",
		Long: `Restore an offboarded account from the snapshot 'offboard apply' saved: move it back to its
OU, add it back to its groups (groups deleted since are listed and skipped), put its
description and manager back, set a new generated password that must be changed at the next
logon, and enable it. Each step is its own audit record; steps already so are skipped, so
running it again is safe (it sets yet another password).

Without --snapshot, the snapshot is looked for in --snapshot-dir (where 'offboard apply'
saves them): of the snapshots of this account, the one taken before its latest offboarding
changed anything. A run of 'offboard apply' that had to be repeated keeps that first
snapshot and never saves the half-done state over it.

The snapshot must be of this account (adkit compares its objectGUID). The new password is
printed once on stdout, or written to --password-out with mode 0600; it is never logged.

A hybrid leaver's snapshot also lists the Entra ID licences offboarding removed: they are
assigned again. A cloud-only leaver's snapshot (taken with --target entra) is restored in
Entra ID: groups and licences back, a new password (must change), sign-in enabled.`,
		Example: `  adkit offboard restore jdoe --snapshot ~/.local/state/adkit/leavers/jdoe-20261122T093000Z.json --ticket HR-2027-3
  adkit offboard restore jdoe --snapshot jdoe.json --password-out /secure/jdoe.txt
  adkit offboard restore jdoe --ticket HR-2027-3`,
		Args: cmdutil.ExactArgs(1, "USER: the account to restore"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(output.FormatTable, output.FormatJSON); err != nil {
				return err
			}
			if opts.Snapshot == "" && opts.SnapshotDir == "" {
				if opts.SnapshotDir, err = defaultSnapshotDir(f.Getenv); err != nil {
					return err
				}
			}
			opts.Target, opts.DryRun = args[0], f.Globals.DryRun
			return cmdutil.Run(cmd.Context(), opts, runF, restoreRun)
		},
	}
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "the account's snapshot file, saved by offboard apply (default: the one taken before its latest offboarding changed anything, from --snapshot-dir)")
	cmd.Flags().StringVar(&opts.SnapshotDir, "snapshot-dir", "", "where offboard apply saved the snapshots (default $XDG_STATE_HOME/adkit/leavers)")
	cmd.Flags().StringVar(&opts.PasswordOut, "password-out", "", "write the new password to FILE (mode 0600) instead of stdout")
	return cmd
}

// restoreJSON is `restore -o json`. password is there only when it was not written to a file.
type restoreJSON struct {
	DN                 string           `json:"dn"`
	SAMAccountName     string           `json:"sam_account_name"`
	Enabled            bool             `json:"enabled"`
	GroupsAdded        []string         `json:"groups_added"`
	MissingGroups      []string         `json:"missing_groups"`
	MustChangePassword bool             `json:"must_change_password"`
	DryRun             bool             `json:"dry_run"`
	Password           string           `json:"password,omitempty"`
	PasswordFile       string           `json:"password_file,omitempty"`
	Steps              []directory.Step `json:"steps"`
}

func restoreRun(ctx context.Context, opts *restoreOptions) error {
	if opts.Snapshot == "" {
		path, err := findSnapshot(ctx, opts)
		if err != nil {
			return err
		}
		opts.Snapshot = path
		fmt.Fprintf(opts.IO.ErrOut, "using the snapshot taken before the offboarding changed anything: %s\n", path)
	}
	snap, err := readSnapshot(opts.Snapshot)
	if err != nil {
		return err
	}
	if snap.Directory == directory.KindEntra {
		return cloudRestoreRun(ctx, opts, snap)
	}
	dir, err := opts.Dir(ctx)
	if err != nil {
		return err
	}
	u, err := dir.User(ctx, opts.Target)
	if err != nil {
		return err
	}
	if err := snap.Matches(u); err != nil {
		return err
	}
	// Open the password file first: a path that cannot be written fails before any change.
	var pwFile *secretfile.File
	if opts.PasswordOut != "" && !opts.DryRun {
		if pwFile, err = secretfile.Open(opts.PasswordOut); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--password-out: %w; nothing was changed", err)}
		}
	}
	// A hybrid leaver's Entra ID side: sign in before anything changes.
	var lic licenser
	if snap.Entra != nil && len(snap.Entra.Licenses) > 0 && opts.Entra != nil {
		if lic, err = opts.Entra(ctx); err != nil {
			pwFile.Discard()
			return fmt.Errorf("the snapshot lists Entra ID licences to give back (%s), but signing in to Entra ID failed: %w; nothing was changed",
				strings.Join(snap.Entra.Licenses, ", "), err)
		}
	}
	res, err := dir.RestoreLeaver(ctx, snap, secret.Secret{})
	if err != nil {
		pwFile.Discard()
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	if lic != nil {
		steps, err := relicense(ctx, lic, snap.Entra)
		res.Steps = append(res.Steps, steps...)
		if err != nil {
			err = &cmdutil.TargetError{Target: opts.Target, Err: fmt.Errorf("restored in AD, but in Entra ID: %w; run restore again to finish", err)}
			if pwFile != nil {
				if werr := pwFile.Write(res.Password.Reveal()); werr != nil {
					return errors.Join(err, werr)
				}
			}
			return errors.Join(err, printRestore(opts, res))
		}
	}
	if pwFile != nil {
		if err := pwFile.Write(res.Password.Reveal()); err != nil {
			return fmt.Errorf("%s was restored, but writing its new password to %s failed: %w; set another with adkit user reset-password %s",
				u.Name(), opts.PasswordOut, err, u.Name())
		}
	}
	return printRestore(opts, res)
}

func printRestore(opts *restoreOptions, res directory.RestoreResult) error {
	showPassword := res.Generated && opts.PasswordOut == "" && !opts.DryRun
	if opts.Format == output.FormatJSON {
		out := restoreJSON{DN: res.User.DN, SAMAccountName: res.User.SAMAccountName, Enabled: res.User.Enabled,
			GroupsAdded: nonNil(res.GroupsAdded), MissingGroups: nonNil(res.MissingGroups), MustChangePassword: true,
			DryRun: opts.DryRun, Steps: res.Steps}
		if showPassword {
			out.Password = res.Password.Reveal()
		} else if !opts.DryRun {
			out.PasswordFile = opts.PasswordOut
		}
		return output.WriteJSON(opts.IO.Out, out)
	}
	// Piped without -o: stdout has only the password, so that pw=$(adkit offboard restore ...) works.
	report := opts.IO.Out
	if !opts.IO.IsStdoutTTY() && opts.Format == output.FormatAuto {
		report = opts.IO.ErrOut
	}
	for _, s := range res.Steps {
		mark := "·"
		switch {
		case s.Changed:
			mark = "✓"
		case s.WouldChange:
			mark = "~"
		}
		fmt.Fprintf(report, "%s %s: %s\n", mark, res.User.Name(), s.Note)
	}
	for _, g := range res.MissingGroups {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s is no longer in the directory; %s was not added back to it\n", g, res.User.Name())
	}
	switch {
	case showPassword && report == opts.IO.Out:
		fmt.Fprintf(opts.IO.Out, "New password (must be changed at first logon): %s\n", res.Password.Reveal())
		fmt.Fprintln(opts.IO.ErrOut, "It is shown only this once; adkit does not keep it.")
	case showPassword:
		fmt.Fprintln(opts.IO.Out, res.Password.Reveal())
	case opts.PasswordOut != "" && !opts.DryRun:
		fmt.Fprintf(report, "New password (must be changed at first logon) written to %s (mode 0600)\n", opts.PasswordOut)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// licenser gives licences back in Entra ID.
type licenser interface {
	AssignLicense(ctx context.Context, ident, skuName, usageLocation string) (directory.Outcome, error)
}

// relicense gives a hybrid rehire the licences of their snapshot back, each audited
// (user.assign_license); one already held is skipped.
func relicense(ctx context.Context, lic licenser, s *directory.CloudRevocation) ([]directory.Step, error) {
	var steps []directory.Step
	var errs []error
	for _, l := range s.Licenses {
		o, err := lic.AssignLicense(ctx, s.ID, l, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("assign licence %s: %w", l, err))
			continue
		}
		note := "Entra ID: " + o.Note
		steps = append(steps, directory.Step{Action: "user.assign_license", Changed: o.Changed, WouldChange: o.WouldChange, Note: note})
	}
	return steps, errors.Join(errs...)
}

// cloudRestorer restores a cloud-only leaver.
type cloudRestorer interface {
	User(ctx context.Context, ident string) (*directory.User, error)
	RestoreCloudLeaver(ctx context.Context, s *directory.CloudRevocation, opts directory.ResetOptions) (directory.CloudRestoreResult, error)
}

// cloudRestoreRun restores a cloud-only leaver from an Entra ID snapshot: groups and licences
// back, a new password (must change), sign-in enabled.
func cloudRestoreRun(ctx context.Context, opts *restoreOptions, snap *directory.LeaverSnapshot) error {
	if opts.Cloud == nil {
		return cmdutil.FlagErrorf("the snapshot is of an Entra ID account: run with --target entra")
	}
	dir, err := opts.Cloud(ctx)
	if err != nil {
		return err
	}
	u, err := dir.User(ctx, opts.Target)
	if err != nil {
		return err
	}
	if !strings.EqualFold(u.ID, snap.Entra.ID) {
		return fmt.Errorf("%w: the snapshot is of %s (%s), not of %s (%s); pick the snapshot file of this account",
			directory.ErrInvalidInput, snap.Entra.UPN, snap.Entra.ID, u.UserPrincipalName, u.ID)
	}
	var pwFile *secretfile.File
	if opts.PasswordOut != "" && !opts.DryRun {
		if pwFile, err = secretfile.Open(opts.PasswordOut); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--password-out: %w; nothing was changed", err)}
		}
	}
	cr, err := dir.RestoreCloudLeaver(ctx, snap.Entra, directory.ResetOptions{})
	if err != nil {
		pwFile.Discard()
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	if cr.User.SAMAccountName == "" {
		cr.User.SAMAccountName = cr.User.UserPrincipalName
	}
	res := directory.RestoreResult{User: cr.User, Steps: cr.Steps, GroupsAdded: cr.GroupsAdded, MissingGroups: cr.MissingGroups,
		Password: cr.Password.Password, Generated: cr.Password.Generated}
	if pwFile != nil {
		if err := pwFile.Write(res.Password.Reveal()); err != nil {
			return fmt.Errorf("%s was restored, but writing its new password to %s failed: %w; set another with adkit user reset-password %s --target entra",
				u.UserPrincipalName, opts.PasswordOut, err, u.UserPrincipalName)
		}
	}
	return printRestore(opts, res)
}

// findSnapshot picks the snapshot restore uses when none is named: of the account's snapshots
// in the snapshot directory (its logon name, its objectGUID), the newest taken before an
// offboarding had begun (preChange); if every one shows an offboarding under way (the account
// was disabled before it was first offboarded), the oldest.
func findSnapshot(ctx context.Context, opts *restoreOptions) (string, error) {
	dir, err := opts.Dir(ctx)
	if err != nil {
		return "", err
	}
	u, err := dir.User(ctx, opts.Target)
	if err != nil {
		return "", err
	}
	store := &snapshotStore{dir: opts.SnapshotDir}
	path, _ := store.first(u.SAMAccountName, u.ObjectGUID, "")
	if path == "" {
		return "", cmdutil.FlagErrorf("no snapshot of %s in %s: name the file with --snapshot (or the directory with --snapshot-dir)",
			u.Name(), opts.SnapshotDir)
	}
	return path, nil
}
