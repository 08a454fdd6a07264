package user

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type methodLister interface {
	AuthMethods(ctx context.Context, ident string) (*directory.AuthMethods, error)
}

type mfaOptions struct {
	IO     *iostreams.IOStreams
	Users  func(context.Context) (methodLister, error)
	Target func() (string, error)
	Format output.Format
	User   string
}

// entraOnly is the refusal of the Entra ID help-desk commands on AD.
func entraOnly(target func() (string, error), what string) error {
	return cmdutil.OnlyFor(target, true, what+" are an Entra ID matter: use --target entra (an AD account synchronised to Entra ID has them there)")
}

// newCmdMFA returns `user mfa USER`, which also attaches `user mfa reset`.
func newCmdMFA(f *factory.Factory, runF func(*mfaOptions) error) *cobra.Command {
	opts := &mfaOptions{
		IO: f.IO, Target: f.Target,
		Users: factory.DirectoryFunc[methodLister](f),
	}
	cmd := &cobra.Command{
		Use:     "mfa USER",
		Aliases: []string{"auth-methods"},
		Short:   "List an account's MFA and sign-in methods (Entra ID)",
		Long: `List the authentication methods registered for an Entra ID account: phones (with their type
and a masked number), Microsoft Authenticator (device), FIDO2 keys (model), Windows Hello,
software OATH tokens, e-mail, Temporary Access Passes, and the password. The default MFA
method is shown when the registration report is readable (AuditLog.Read.All).

Needs the Graph permission UserAuthenticationMethod.Read.All (a technician signed in
with adkit login or --device-code: a role such as Authentication Administrator).`,
		Example: `  adkit user mfa jdoe@corp.example.com
  adkit user mfa jdoe@corp.example.com -o json
  adkit user mfa reset jdoe@corp.example.com --type phone --ticket INC-42`,
		Args: cmdutil.ExactArgs(1, "USER: the account whose methods to list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.User = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, mfaRun)
		},
	}
	cmd.AddCommand(newCmdMFAReset(f, nil))
	return cmd
}

// methodJSON is one method in -o json and -o csv.
type methodJSON struct {
	UserPrincipalName string  `json:"user_principal_name"`
	ID                string  `json:"id"`
	Type              string  `json:"type"`
	PhoneType         string  `json:"phone_type"`
	Detail            string  `json:"detail"`
	Created           *string `json:"created"`
	Default           bool    `json:"default"`
	Removable         bool    `json:"removable"`
}

// isDefault matches the registration report's preferred method to a registered one.
func isDefault(def string, m directory.AuthMethod) bool {
	switch def {
	case "push":
		return m.Type == directory.MethodAuthenticator
	case "oath":
		return m.Type == directory.MethodSoftwareOATH
	case "sms", "voiceMobile":
		return m.Type == directory.MethodPhone && m.PhoneType == "mobile"
	case "voiceAlternateMobile":
		return m.Type == directory.MethodPhone && m.PhoneType == "alternateMobile"
	case "voiceOffice":
		return m.Type == directory.MethodPhone && m.PhoneType == "office"
	}
	return false
}

func mfaRun(ctx context.Context, opts *mfaOptions) error {
	if err := entraOnly(opts.Target, "authentication methods"); err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	got, err := users.AuthMethods(ctx, opts.User)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.User, Err: err}
	}
	rows := make([]methodJSON, 0, len(got.Methods))
	t := output.Table{Header: []string{"Type", "Detail", "Created", "Default", "ID"}}
	if opts.Format == output.FormatCSV {
		t.Header = []string{"user_principal_name", "id", "type", "phone_type", "detail", "created", "default", "removable"}
	}
	for _, m := range got.Methods {
		j := methodJSON{UserPrincipalName: got.User.UserPrincipalName, ID: m.ID, Type: m.Type, PhoneType: m.PhoneType,
			Detail: m.Detail, Default: isDefault(got.Default, m), Removable: m.Removable}
		created := ""
		if m.Created != nil {
			created = m.Created.UTC().Format(time.RFC3339)
			j.Created = &created
		}
		rows = append(rows, j)
		if opts.Format == output.FormatCSV {
			t.AddRow(j.UserPrincipalName, j.ID, j.Type, j.PhoneType, j.Detail, created, boolText(j.Default), boolText(j.Removable))
			continue
		}
		detail := m.Detail
		if m.PhoneType != "" {
			detail = m.PhoneType + " " + detail
		}
		def := ""
		if j.Default {
			def = "default"
		}
		if len(created) >= 10 {
			created = created[:10]
		}
		t.AddRow(m.Type, detail, created, def, m.ID)
	}
	if err := output.Print(opts.IO, opts.Format, t, rows); err != nil {
		return err
	}
	if (opts.Format == output.FormatAuto && opts.IO.IsStdoutTTY()) || opts.Format == output.FormatTable {
		if len(got.Methods) <= 1 {
			fmt.Fprintln(opts.IO.ErrOut, got.User.UserPrincipalName+" has no MFA method registered: at next sign-in they will be asked to register one (or issue a Temporary Access Pass: adkit user tap)")
		}
	}
	return nil
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
