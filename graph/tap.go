package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Temporary Access Pass (https://learn.microsoft.com/graph/api/authentication-post-temporaryaccesspassmethods,
// https://learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethod):
// POST /users/{id}/authentication/temporaryAccessPassMethods with optional lifetimeInMinutes
// (10 to 43200; the tenant's policy narrows it, 60 to 480 by default), isUsableOnce (a reusable
// pass is refused when the policy forces one-time use) and startDateTime; 201 with the pass in
// temporaryAccessPass — the only time Graph ever returns it. A user has one pass: a new one
// replaces the old. With the policy off, or the user outside its target groups, Graph refuses:
// "Converged UserCredentialPolicy does not allow creating or updating this authentication
// method. AuthMethodType [TemporaryAccessPass]."

// ErrTAPPolicy is wrapped when the tenant's Temporary Access Pass policy refuses the pass.
var ErrTAPPolicy = errors.New("temporary access pass policy")

// CreateTAP issues a Temporary Access Pass, audited as user.create_tap; the pass itself is
// never recorded.
func (c *Client) CreateTAP(ctx context.Context, ident string, opts directory.TAPOptions) (directory.TAP, error) {
	if err := opts.Validate(); err != nil {
		return directory.TAP{}, err
	}
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return directory.TAP{}, err
	}
	return c.createTAP(ctx, userFromModel(m), opts)
}

func (c *Client) createTAP(ctx context.Context, u *directory.User, opts directory.TAPOptions) (directory.TAP, error) {
	if err := opts.Validate(); err != nil {
		return directory.TAP{}, err
	}
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	changes := []audit.Change{{Attribute: "temporaryAccessPass", Secret: true}}
	if opts.Lifetime > 0 {
		n := int32(opts.Lifetime / time.Minute)
		body.SetLifetimeInMinutes(&n)
		changes = append(changes, audit.Change{Attribute: "lifetimeInMinutes", After: n})
	}
	if opts.OneTime != nil {
		once := *opts.OneTime
		body.SetIsUsableOnce(&once)
		changes = append(changes, audit.Change{Attribute: "isUsableOnce", After: once})
	}
	if opts.Start != nil {
		s := opts.Start.UTC()
		body.SetStartDateTime(&s)
		changes = append(changes, audit.Change{Attribute: "startDateTime", After: s.Format(time.RFC3339)})
	}
	res := directory.TAP{User: u}
	err := c.change(ctx, "user.create_tap", userTarget(u), changes, func(ctx context.Context) error {
		got, err := c.usersAPI().ByUserId(u.ID).Authentication().TemporaryAccessPassMethods().Post(ctx, body, nil)
		if err != nil {
			return explainTAP(err, u)
		}
		res.ID = str(got.GetId())
		res.Pass = secret.New(str(got.GetTemporaryAccessPass()))
		if l := got.GetLifetimeInMinutes(); l != nil {
			res.LifetimeMinutes = int(*l)
		}
		if s := got.GetStartDateTime(); s != nil {
			res.Start = s.UTC()
		} else if cr := got.GetCreatedDateTime(); cr != nil {
			res.Start = cr.UTC()
		}
		res.End = res.Start.Add(time.Duration(res.LifetimeMinutes) * time.Minute)
		if o := got.GetIsUsableOnce(); o != nil {
			res.OneTime = *o
		}
		if ok := got.GetIsUsable(); ok != nil {
			res.Usable = *ok
		}
		res.UsabilityReason = str(got.GetMethodUsabilityReason())
		if res.Pass.IsZero() {
			return errors.New("Graph created the pass but did not return it; create another one")
		}
		return nil
	})
	if err != nil {
		return directory.TAP{User: u}, fmt.Errorf("create a Temporary Access Pass for %s: %w", u.UserPrincipalName, err)
	}
	if c.DryRun() {
		res.WouldChange = true
	}
	return res, nil
}

// explainTAP words the refusals particular to the pass, before the general ones: the
// policy's refusal may come as 400 or 403, and must not read as a missing permission.
func explainTAP(err error, u *directory.User) error {
	f, ok := asFailure(err)
	if !ok {
		return explain(err, "UserAuthenticationMethod.ReadWrite.All")
	}
	msg := strings.ToLower(f.message)
	re := &RefusedError{Status: f.status, Code: f.code, Message: f.message}
	switch {
	case strings.Contains(msg, "usercredentialpolicy"):
		re.Reason = "the tenant's Temporary Access Pass policy does not allow a pass for " + u.UserPrincipalName +
			": the policy is off, or the user is not in its target groups (Graph said: " + f.message + "); " +
			"an administrator enables it in the Entra admin center under Protection > Authentication methods > Policies > Temporary Access Pass, for a group that includes the user (Graph: Policy.ReadWrite.AuthenticationMethod)"
		re.Err = errors.Join(ErrTAPPolicy, err)
	case strings.Contains(msg, "lifetime"):
		re.Reason = "the lifetime is outside what the tenant's Temporary Access Pass policy allows (60 to 480 minutes unless changed): " + f.message + "; choose a --lifetime within the policy"
		re.Err = errors.Join(directory.ErrInvalidInput, ErrTAPPolicy, err)
	case strings.Contains(msg, "isusableonce") || strings.Contains(msg, "one-time") || strings.Contains(msg, "usable once"):
		re.Reason = "the tenant's Temporary Access Pass policy allows only one-time passes: use --once (Graph said: " + f.message + ")"
		re.Err = errors.Join(directory.ErrInvalidInput, ErrTAPPolicy, err)
	default:
		return f.explain("UserAuthenticationMethod.ReadWrite.All", err)
	}
	return re
}
