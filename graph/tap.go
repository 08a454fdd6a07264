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

// TAP lifetime bounds Graph accepts whatever the policy says.
const (
	MinTAPLifetime = 10 * time.Minute
	MaxTAPLifetime = 43200 * time.Minute
)

// ErrTAPPolicy is wrapped when the tenant's Temporary Access Pass policy refuses the pass.
var ErrTAPPolicy = errors.New("temporary access pass policy")

// TAPOptions shape a new pass. Zero values leave the choice to the tenant's policy.
type TAPOptions struct {
	Lifetime time.Duration // whole minutes, MinTAPLifetime to MaxTAPLifetime
	OneTime  *bool
	Start    *time.Time
}

// Validate checks what Graph would refuse whatever the policy: the lifetime's hard bounds.
func (o TAPOptions) Validate() error {
	if o.Lifetime == 0 {
		return nil
	}
	if o.Lifetime < MinTAPLifetime || o.Lifetime > MaxTAPLifetime || o.Lifetime%time.Minute != 0 {
		return fmt.Errorf("%w: a Temporary Access Pass lives between 10 minutes and 30 days (720h), in whole minutes, not %s; the tenant's policy may narrow that (60 to 480 minutes by default)",
			directory.ErrInvalidInput, o.Lifetime)
	}
	return nil
}

// TAP is a Temporary Access Pass just created. Pass is empty on a dry run.
type TAP struct {
	User            *directory.User
	ID              string
	Pass            secret.Secret
	Start, End      time.Time
	LifetimeMinutes int
	OneTime         bool
	Usable          bool
	UsabilityReason string // e.g. NotYetValid
	WouldChange     bool   // dry run
}

// CreateTAP issues a Temporary Access Pass, audited as user.create_tap; the pass itself is
// never recorded.
func (c *Client) CreateTAP(ctx context.Context, ident string, opts TAPOptions) (TAP, error) {
	if err := opts.Validate(); err != nil {
		return TAP{}, err
	}
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return TAP{}, err
	}
	return c.createTAP(ctx, userFromModel(m), opts)
}

func (c *Client) createTAP(ctx context.Context, u *directory.User, opts TAPOptions) (TAP, error) {
	if err := opts.Validate(); err != nil {
		return TAP{}, err
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
	res := TAP{User: u}
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
		return TAP{User: u}, fmt.Errorf("create a Temporary Access Pass for %s: %w", u.UserPrincipalName, err)
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
