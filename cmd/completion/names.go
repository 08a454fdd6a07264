package completion

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

// What a <TAB> on a name may cost: a shell waits for it, so the directory gets a short time
// and the answer is kept a few minutes. Both can be changed by environment variable.
const (
	defaultTimeout = 2 * time.Second
	defaultTTL     = 5 * time.Minute
	maxNames       = 50
)

// noMoreArgs is the kind past a command's last argument: there is nothing to offer there,
// not even a file name.
const noMoreArgs directory.NameKind = "-"

// Names completes the positional arguments of a command from the directory: kinds[i] is what
// argument i names, and the last kind repeats (USER... takes users all along). An empty kind
// is an argument that is no name, such as a FILE: the shell completes it as it would anyway;
// noMoreArgs is past the last argument, where nothing is offered.
func Names(f *factory.Factory, kinds ...directory.NameKind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(kinds) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		kind := kinds[min(len(args), len(kinds)-1)]
		switch kind {
		case "":
			return nil, cobra.ShellCompDirectiveDefault
		case noMoreArgs:
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names(cmd, f, kind, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Flag completes a flag's value from the directory: --ou with OU DNs, --manager with users.
func Flag(f *factory.Factory, kind directory.NameKind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return names(cmd, f, kind, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// names is what a shell offers for prefix: from the cache when it knows, else from the
// directory within the time allowed, else nothing. Every failure is silent — no credentials,
// a dead DC, a bad profile: the technician's line must not fill with errors on <TAB>, and
// nothing but completions may reach stdout.
func names(cmd *cobra.Command, f *factory.Factory, kind directory.NameKind, prefix string) []cobra.Completion {
	// __complete parses the flags but runs no hook; the root's hook is what records the
	// connection flags typed on the line (--profile, --ldap-url …) for the factory.
	if root := cmd.Root(); root.PersistentPreRunE != nil {
		if err := root.PersistentPreRunE(cmd, nil); err != nil {
			return nil
		}
	}
	scope, err := f.CompletionScope()
	if err != nil {
		return nil
	}
	cache := openCache(f.Getenv, scope, durationEnv(f.Getenv, "ADKIT_COMPLETION_CACHE_TTL", defaultTTL), f.Now)
	if hints, ok := cache.lookup(kind, prefix); ok {
		return completions(hints)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	hints, more, err := fetch(ctx, f, kind, prefix, durationEnv(f.Getenv, "ADKIT_COMPLETION_TIMEOUT", defaultTimeout))
	if err != nil {
		return nil
	}
	cache.store(kind, prefix, hints, more)
	return completions(hints)
}

// fetch asks the directory, and gives up when timeout has passed whatever the connection is
// doing: a DC that accepts and never answers must not hang the shell.
func fetch(ctx context.Context, f *factory.Factory, kind directory.NameKind, prefix string, timeout time.Duration) ([]directory.NameHint, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		hints []directory.NameHint
		more  bool
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		hints, more, err := f.CompleteNames(ctx, timeout, kind, prefix, maxNames)
		done <- answer{hints, more, err}
	}()
	select {
	case a := <-done:
		return a.hints, a.more, a.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// completions are Cobra's "name\tdescription" lines; a description is one line.
func completions(hints []directory.NameHint) []cobra.Completion {
	out := make([]cobra.Completion, 0, len(hints))
	for _, h := range hints {
		if desc := strings.Join(strings.Fields(h.Description), " "); desc != "" {
			out = append(out, cobra.CompletionWithDesc(h.Name, desc))
		} else {
			out = append(out, h.Name)
		}
	}
	return out
}

// durationEnv reads a duration such as "2s" from the environment; unset or unreadable is def
// (a completion has no way to report a typo, and must still work).
func durationEnv(getenv func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil && d >= 0 {
		return d
	}
	return def
}
