package group

import (
	"errors"
	"testing"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/spf13/cobra"
)

// execute runs a group verb up to its run function and reports the parse error, if any.
func execute(t *testing.T, build func(*factory.Factory) *cobra.Command, stdin string, args ...string) error {
	t.Helper()
	return cmdtest.ExecuteArgs(build(cmdtest.WithStdin(factory.New("test"), stdin)), args...)
}

func TestGroupVerbFlags(t *testing.T) {
	var created *createOptions
	create := func(f *factory.Factory) *cobra.Command {
		return newCmdCreate(f, func(o *createOptions) error { created = o; return nil })
	}
	if err := execute(t, create, "", "Falcon", "--scope", "universal", "--type", "distribution", "--owner", "asmith"); err != nil {
		t.Fatal(err)
	}
	if created.Group.Name != "Falcon" || created.Group.Scope != "universal" || created.Group.Type != "distribution" || created.Group.Owner != "asmith" {
		t.Errorf("group create parsed %+v", created.Group)
	}
	var synced *syncOptions
	sync := func(f *factory.Factory) *cobra.Command {
		return newCmdSync(f, func(o *syncOptions) error { synced = o; return nil })
	}
	if err := execute(t, sync, "# team\njdoe\n\nEngineers\tgroup\n", "Falcon", "-"); err != nil {
		t.Fatal(err)
	}
	if synced.Group != "Falcon" || len(synced.Names) != 2 || synced.Names[1] != "Engineers" {
		t.Errorf("group sync read %+v", synced)
	}
	var set *setOptions
	setCmd := func(f *factory.Factory) *cobra.Command {
		return newCmdSet(f, func(o *setOptions) error { set = o; return nil })
	}
	if err := execute(t, setCmd, "", "Falcon", "--owner", ""); err != nil || set.Update.Owner == nil || *set.Update.Owner != "" || set.Update.Description != nil {
		t.Errorf("group set --owner \"\": %+v %v (want the owner removed, the description untouched)", set, err)
	}
	deleteCmd := func(f *factory.Factory) *cobra.Command {
		return newCmdDelete(f, func(*deleteOptions) error { return nil })
	}
	restoreCmd := func(f *factory.Factory) *cobra.Command {
		return newCmdRestore(f, func(*restoreOptions) error { return nil })
	}
	for _, bad := range []struct {
		build func(*factory.Factory) *cobra.Command
		args  []string
	}{
		{create, []string{"Falcon", "--scope", "galactic"}},
		{create, []string{"Falcon", "--type", "mail"}},
		{create, []string{}},
		{sync, []string{"Falcon"}},
		{sync, []string{"Falcon", "/nonexistent/team.txt"}},
		{setCmd, []string{"Falcon"}},
		{deleteCmd, []string{}},
		{restoreCmd, []string{}},
	} {
		err := execute(t, bad.build, "", bad.args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) {
			t.Errorf("%v: err = %v, want a usage error (exit 2)", bad.args, err)
		}
	}
}
