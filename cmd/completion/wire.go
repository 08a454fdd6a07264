package completion

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Wire gives every command of the tree under root the name completion its usage line
// promises: `show USER...` completes users, `add GROUP MEMBER...` a group and then members,
// `move PC... --ou DN` computers, and flags such as --ou and --manager their kind of name.
// Reading the usage line, rather than a line in each command, keeps the two from disagreeing
// and gives a new command completion for free. A command that sets its own completion keeps it.
func Wire(root *cobra.Command, f *factory.Factory) {
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.ValidArgsFunction == nil && len(cmd.ValidArgs) == 0 {
			if kinds := argKinds(cmd.Use); len(kinds) > 0 {
				cmd.ValidArgsFunction = Names(f, kinds...)
			}
		}
		cmd.LocalNonPersistentFlags().VisitAll(func(fl *pflag.Flag) {
			if kind := flagKind(fl.Name); kind != "" {
				if _, set := cmd.GetFlagCompletionFunc(fl.Name); !set {
					_ = cmd.RegisterFlagCompletionFunc(fl.Name, Flag(f, kind))
				}
			}
		})
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// argKinds reads what the positional arguments of a usage line name: "reset USER (--method
// ID | …)" → user; "sync GROUP FILE" → group, then no name. Only the words before the first
// flag or bracket are arguments. Nil when no argument is a name.
func argKinds(use string) []directory.NameKind {
	words := strings.Fields(use)
	var kinds []directory.NameKind
	named := false
	for _, w := range words[min(1, len(words)):] {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "(") {
			break
		}
		kind := argKind(strings.TrimSuffix(w, "..."))
		named = named || kind != ""
		kinds = append(kinds, kind)
		if strings.HasSuffix(w, "...") {
			break // it repeats: nothing follows it
		}
	}
	if !named {
		return nil
	}
	if last := words[len(kinds)]; !strings.HasSuffix(last, "...") {
		kinds = append(kinds, noMoreArgs)
	}
	return kinds
}

// argKind is the kind of name a usage line's argument word stands for; "" for any other
// argument (FILE, SKU), which the shell completes as it would without adkit.
func argKind(word string) directory.NameKind {
	switch word {
	case "USER":
		return directory.NameUser
	case "GROUP":
		return directory.NameGroup
	case "PC":
		return directory.NameComputer
	case "MEMBER":
		return directory.NameMember
	}
	return ""
}

// flagKind is the kind of name a flag takes, by the flag's name, which is the same across
// commands (--ou is always an OU's DN).
func flagKind(name string) directory.NameKind {
	switch name {
	case "ou", "target-ou":
		return directory.NameOU
	case "manager", "owner", "like", "user":
		return directory.NameUser
	}
	return ""
}
