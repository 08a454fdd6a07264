package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
)

// Client is an authenticated connection to one domain controller. Reads go straight to the
// directory; every change goes through the audit trail the Client was built with.
type Client struct {
	conn     *ldap.Conn
	cfg      Config
	server   string
	baseDN   string
	info     ServerInfo
	identity string
	trail    *audit.Trail
	groups   groupCache
	members  memberCache
	lists    memberLists
	tried    []string // DCs that did not answer before this one
	url      string   // the URL this DC was reached by

	// beforeWrite, when set (only by tests, through export_test.go), runs after the intent
	// is recorded and before the request is sent: where an interrupt or another run can
	// come between adkit's look at the object and its write.
	beforeWrite func()
}

// Connect dials, secures and binds, and reads the rootDSE. trail receives every change the
// Client will make; it is required so that no change can escape the audit log.
func Connect(ctx context.Context, cfg Config, trail *audit.Trail) (*Client, error) {
	if trail == nil {
		return nil, errors.New("connect: an audit trail is required")
	}
	urls := cfg.Candidates
	if len(urls) == 0 {
		urls = []string{cfg.URL}
	}
	// Fail over to the next DC only when one does not answer (dial or rootDSE); a refused bind
	// is the same on every DC of the domain and stops here, so a wrong password is not tried
	// against every DC (each try counts towards the bind account's lockout).
	var tried []string
	for i, u := range urls {
		ep, err := parseEndpoint(u)
		if err != nil {
			return nil, err
		}
		conn, layer, err := dial(ctx, cfg, ep)
		if err == nil {
			stop := closeOnInterrupt(ctx, conn)
			var info ServerInfo
			info, err = readRootDSE(conn)
			conn.SetTimeout(cfg.timeout()) // it answers: requests get the full timeout
			if err != nil {
				stop()
				conn.Close()
				err = &ConnectError{Server: ep.hostPort, Reason: err.Error(), Err: err}
			} else {
				client, err := setUp(ctx, conn, layer, cfg, ep, info, trail)
				stop()
				if err != nil && errors.Is(ctx.Err(), context.Canceled) {
					return nil, fmt.Errorf("connect to %s: %w", ep.hostPort, context.Canceled)
				}
				if client != nil {
					client.tried = tried
					client.url = u
				}
				return client, err
			}
		}
		if errors.Is(err, context.Canceled) || len(urls) == 1 {
			return nil, err
		}
		cfg.debugf("%s does not answer: %v", ep.hostPort, err)
		tried = append(tried, fmt.Sprintf("%s (%v)", ep.hostPort, err))
		if i == len(urls)-1 {
			return nil, fmt.Errorf("no domain controller answered; tried %s: %w", strings.Join(tried, ", "), err)
		}
	}
	return nil, errors.New("connect: no domain controller to try")
}

// Tried names the DCs that did not answer before this one did (empty when the first answered).
func (c *Client) Tried() []string { return c.tried }

// setUp reads the rootDSE and binds on a new connection, closing it on failure.
func setUp(ctx context.Context, conn *ldap.Conn, layer *saslConn, cfg Config, ep endpoint, info ServerInfo, trail *audit.Trail) (*Client, error) {
	conn, identity, err := bind(ctx, conn, layer, cfg, ep, info)
	if err != nil {
		conn.Close()
		return nil, err
	}
	base := cfg.BaseDN
	if base == "" {
		base = info.DefaultNamingContext
	}
	if base == "" {
		conn.Close()
		return nil, errors.New("connect: the rootDSE has no defaultNamingContext; set --base-dn")
	}
	if _, err := ldap.ParseDN(base); err != nil {
		conn.Close()
		return nil, fmt.Errorf("base DN %q is not a valid distinguished name: %w", base, err)
	}
	return &Client{conn: conn, cfg: cfg, server: ep.host, baseDN: base, info: info, identity: identity, trail: trail}, nil
}

// Close ends the session.
func (c *Client) Close() error { return c.conn.Close() }

// CloseOnInterrupt closes the session when ctx is cancelled (Ctrl-C), not when it merely times
// out. go-ldap's requests take no context, so this is what ends a request that waits on a
// domain controller which stopped answering, at once instead of after the request timeout;
// the request then fails and the command reports the interrupt.
func (c *Client) CloseOnInterrupt(ctx context.Context) {
	closeOnInterrupt(ctx, c.conn)
}

// closeOnInterrupt closes conn when ctx is cancelled, which ends whatever request is waiting on
// it: go-ldap's requests take no context. A timeout is left to the per-request timeout, which
// reports it as one. The returned function stops watching.
func closeOnInterrupt(ctx context.Context, conn *ldap.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			conn.Close()
		}
	})
}

// Server is the host name of the domain controller, as recorded on audit records.
func (c *Client) Server() string { return c.server }

// BaseDN is the search base in use.
func (c *Client) BaseDN() string { return c.baseDN }

// Info is what the rootDSE said.
func (c *Client) Info() ServerInfo { return c.info }

// BindIdentity is who the session is authenticated as.
func (c *Client) BindIdentity() string { return c.identity }

// change is the only way the Client modifies the directory: the trail records the intent,
// runs apply (unless this is a dry run), and records the outcome.
//
// A request that got no answer (Ctrl-C closed the connection under it, it timed out, the
// connection was lost) is not recorded as an error: the trail reads the object back on a
// fresh connection and records "ok" when it finds the change made, else "unknown". A change
// found already made (apply says skipped), or made now, settles the open intents of earlier
// runs for it. (The log is read for them once per process, on the first change.)
func (c *Client) change(ctx context.Context, action string, target audit.Target, changes []audit.Change, apply func(context.Context) error) error {
	op := audit.Operation{Action: action, Directory: "ad", Server: c.server, Target: target, Changes: changes,
		Check: c.readBack(action, target, changes)}
	err := c.trail.Do(ctx, op, func(ctx context.Context) error {
		if c.beforeWrite != nil {
			c.beforeWrite()
		}
		return noAnswer(ctx, apply(ctx))
	})
	// Settling earlier runs' open intents is not a condition of this change, which is made
	// and recorded: a failure to write a settling record leaves them open (log verify lists
	// them), it does not turn this change into a failure.
	switch {
	case c.DryRun():
	case errors.Is(err, audit.ErrSkipped):
		_ = c.settleEarlier(ctx, action, target, changes, "a later run found it already done ("+err.Error()+")")
	case err == nil:
		_ = c.supersedeEarlier(ctx, action, target, changes, "not made by this request: a later run made the change")
	}
	if errors.Is(err, ErrPermission) {
		// Say who was refused what, on whom, and what to do: the usual cause is a help-desk
		// account whose delegation does not reach this OU.
		return &RefusedError{
			Reason: fmt.Sprintf("not permitted: %s may not %s %s; ask a domain admin to delegate this right for its OU, or use an account that has it",
				c.identity, actionWords(action), target.Name),
			Err: err,
		}
	}
	return err
}

// changeAll is change for many changes that one request makes (a modify carrying many
// member values): each target gets its own intent and outcome (audit.Trail.DoAll), written
// all at once, and apply is called once with the lot. apply returns nil when every change
// was made, or one error per target. check reads the lot back when the request got no answer.
func (c *Client) changeAll(ctx context.Context, action string, targets []audit.Target, changes [][]audit.Change,
	check func(context.Context) ([]bool, error), apply func(context.Context) []error) []error {
	ops := make([]audit.Operation, len(targets))
	for i, tgt := range targets {
		ops[i] = audit.Operation{Action: action, Directory: "ad", Server: c.server, Target: tgt, Changes: changes[i]}
	}
	errs := c.trail.DoAll(ctx, audit.Batch{Ops: ops, Check: check}, func(ctx context.Context) []error {
		errs := apply(ctx)
		for i := range errs {
			errs[i] = noAnswer(ctx, errs[i])
		}
		return errs
	})
	if errs == nil {
		errs = make([]error, len(targets))
	}
	if c.DryRun() {
		return errs
	}
	for i, err := range errs {
		switch {
		case errors.Is(err, audit.ErrSkipped):
			_ = c.settleEarlier(ctx, action, targets[i], changes[i], "a later run found it already done ("+err.Error()+")")
		case err == nil:
			_ = c.supersedeEarlier(ctx, action, targets[i], changes[i], "not made by this request: a later run made the change")
		}
	}
	return errs
}

// actionWords says an audit action the way a person would.
func actionWords(action string) string {
	switch action {
	case "user.unlock":
		return "unlock"
	case "user.reset_password":
		return "reset the password of"
	case "user.enable":
		return "enable"
	case "user.disable":
		return "disable"
	case "user.create":
		return "create"
	case "user.move":
		return "move"
	case "group.add_member":
		return "change group membership of"
	case "group.remove_member":
		return "change group membership of"
	case "user.update":
		return "change attributes of"
	case "user.rename":
		return "rename"
	case "group.create":
		return "create the group"
	case "group.delete":
		return "delete the group"
	case "group.update":
		return "change the group"
	case "computer.enable":
		return "enable the computer"
	case "computer.disable":
		return "disable the computer"
	case "computer.move":
		return "move the computer"
	case "computer.delete":
		return "delete the computer"
	case "computer.reset_password":
		return "reset the account password of the computer"
	case "computer.laps_read":
		return "read the LAPS password of"
	case "computer.laps_expire":
		return "expire the LAPS password of"
	case "bitlocker.read":
		return "read the BitLocker recovery information of"
	}
	return "change (" + action + ")"
}

// DryRun reports whether changes are only being recorded, not made.
func (c *Client) DryRun() bool { return c.trail.DryRun() }
