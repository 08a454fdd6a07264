package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// SettleOffboarded writes the missing outcome ("ok", settled later) of earlier runs' open
// offboarding changes that the leavers' accounts, as this run found them, show made: a
// user.disable of an account now disabled, a user.remove_license of a licence it no longer
// holds, a group.remove_member of a group it is no longer in. The re-run of an offboarding
// interrupted, or left without an answer, plans no change for what is done, so no change of
// its own would settle those intents (settleEarlier). Session revocations are settled from
// Graph's stamp (settleStamped), not here. Settling is a courtesy to the log's reader: a
// failure to write leaves the intents open ('log verify' lists them).
func (c *Client) SettleOffboarded(ctx context.Context, leavers []*directory.CloudRevocation) {
	if c.DryRun() {
		return
	}
	byID := map[string]*directory.CloudRevocation{}
	for _, s := range leavers {
		if s != nil && s.ID != "" {
			byID[s.ID] = s
		}
	}
	if len(byID) == 0 {
		return
	}
	_, _ = c.trail.SettleEarlier(ctx, func(r audit.Record) bool {
		s := byID[r.Target.ID]
		if s == nil || r.Directory != audit.DirectoryEntra {
			return false
		}
		_, key, _ := strings.Cut(firstChange(r.Changes), "=")
		return offboardChangeMade(r.Action, key, s)
	}, "a later run found it done on the account")
}

// offboardChangeMade reports whether the account s shows the change made: what key (the
// intent's first change: the licence, or "group (id)") named is gone.
func offboardChangeMade(action, key string, s *directory.CloudRevocation) bool {
	switch action {
	case "user.disable":
		return !s.Enabled
	case "user.remove_license":
		return key != "" && !slices.ContainsFunc(s.Licenses, func(l string) bool { return strings.EqualFold(l, key) })
	case "group.remove_member":
		return key != "" && !slices.ContainsFunc(s.Groups, func(g directory.CloudGroup) bool {
			return strings.HasSuffix(key, "("+g.ID+")")
		})
	}
	return false
}
