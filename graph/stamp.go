package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// A password reset and a session revocation cannot be read back as a value (the password is
// never returned; a revocation leaves nothing but a time), but Graph stamps the account with
// the time of each: lastPasswordChangeDateTime, "the time when this Microsoft Entra user last
// changed their password or when their password was created", and
// signInSessionsValidFromDateTime, which revokeSignInSessions resets "to the current
// date-time" (https://learn.microsoft.com/graph/api/resources/user,
// https://learn.microsoft.com/graph/api/user-revokesigninsessions; both returned only on
// $select). A stamp no earlier than the request, and newer than the stamp the intent recorded
// before it, says the change is in the tenant.

// stampOf names the property Graph stamps for each of these changes.
var stampOf = map[string]string{
	"user.reset_password":  "lastPasswordChangeDateTime",
	"user.revoke_sessions": "signInSessionsValidFromDateTime",
}

// clockSkew is how far the technician's clock (which dates the intent record) may be ahead
// of Graph's (which dates the stamp) for a change still to count as made after its intent.
// Five minutes is the skew Microsoft's token validation allows by default and Kerberos's
// default maximum tolerance in AD, which these technicians' machines also sign in to: a clock
// further off already fails sign-ins, and an allowance too small would only leave an outcome
// "unknown". It cannot
// make adkit take an older change for this one: the stamp must also be newer than the one the
// intent recorded before the request (the before value of the stamp change), so the allowance
// matters only for intents without one. Graph's stamps have whole seconds, which it covers too.
const clockSkew = 5 * time.Minute

// inFlight bounds, from the other side, when a request whose answer was lost can still have
// been carried out: while it was in flight (adkit's --timeout, 30s unless raised) plus the
// skew above. A stamp later than that is another change — the user changing their own
// password, another admin revoking sessions — and says nothing of this request: the intent
// stays open rather than be settled "ok" on someone else's change.
const inFlight = 10 * time.Minute

// stampChange is the audit change row for a stamped change: the stamp read before the
// request (nil when Graph has none) and "now", what Graph sets it to.
func stampChange(action string, m models.Userable) audit.Change {
	return audit.Change{Attribute: stampOf[action], Before: stampText(stampTime(action, m)), After: "now"}
}

// stampTime is the account's stamp for action, as read.
func stampTime(action string, m models.Userable) *time.Time {
	switch stampOf[action] {
	case "lastPasswordChangeDateTime":
		return m.GetLastPasswordChangeDateTime()
	case "signInSessionsValidFromDateTime":
		return m.GetSignInSessionsValidFromDateTime()
	}
	return nil
}

func stampText(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// stampBefore is the stamp an intent recorded before its request: the before value of its
// stamp change (a string once read back from the log). known is false when it has none (an
// account Graph had not stamped yet, or an intent written without reading the account).
func stampBefore(action string, changes []audit.Change) (before *time.Time, known bool) {
	for _, c := range changes {
		if s, ok := c.Before.(string); ok && c.Attribute == stampOf[action] {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return &t, true
			}
		}
	}
	return nil, false
}

// stampShowsMade reports whether stamp, read now, shows a change whose request went out at
// sent and whose intent recorded before (known: it recorded one) as made.
func stampShowsMade(stamp, before *time.Time, known bool, sent time.Time) bool {
	if stamp == nil {
		return false
	}
	if known && !stamp.After(*before) {
		return false // unchanged since the intent read it: whatever the clocks say
	}
	return !stamp.Before(sent.Add(-clockSkew)) && !stamp.After(sent.Add(clockSkew+inFlight))
}

// readBackStamp is the read-back of a stamped change whose request went out at *sent.
func (c *Client) readBackStamp(action string, tgt audit.Target, changes []audit.Change, sent *time.Time) func(context.Context) (bool, error) {
	before, known := stampBefore(action, changes)
	return readBackOf(tgt, func(ctx context.Context) (bool, error) {
		m, err := c.findUser(ctx, tgt.ID, []string{"id", stampOf[action]})
		if err != nil {
			return false, err
		}
		return stampShowsMade(stampTime(action, m), before, known, *sent), nil
	})
}

// settleStamped is how a later run settles the open intents of earlier runs' stamped changes
// on u, from the stamp it has just read (m), before it makes its own change (which would
// stamp the account anew). One stamp is one change: of the open intents whose request went out
// before it (and after the stamp each recorded), the latest is settled "ok", settled later.
// The others stay open, as does an intent the stamp does not show made: this run cannot tell
// a request never made from one overtaken by a later change. Like settleEarlier, a failure to
// settle does not fail this run's change.
func (c *Client) settleStamped(ctx context.Context, action string, u *directory.User, m models.Userable) {
	stamp := stampTime(action, m)
	if c.DryRun() || u.ID == "" || stamp == nil {
		return
	}
	var latest string // op_id
	var latestSent time.Time
	shows := func(r audit.Record) (time.Time, bool) {
		if r.Action != action || r.Directory != audit.DirectoryEntra || r.Target.ID != u.ID || r.DryRun {
			return time.Time{}, false
		}
		sent, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return time.Time{}, false
		}
		before, known := stampBefore(action, r.Changes)
		return sent, stampShowsMade(stamp, before, known, sent)
	}
	c.eachOpenEarlier(ctx, func(r audit.Record) {
		if sent, ok := shows(r); ok && !sent.Before(latestSent) {
			latest, latestSent = r.OpID, sent
		}
	})
	if latest == "" {
		return
	}
	note := fmt.Sprintf("a later run read %s %s, after that request was sent", stampOf[action], stamp.UTC().Format(time.RFC3339))
	_, _ = c.trail.SettleEarlier(ctx, func(r audit.Record) bool { return r.OpID == latest }, note)
}
