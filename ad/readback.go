package ad

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
)

// A change whose request got no answer — Ctrl-C closed the connection under it, it timed
// out, the connection was lost — may or may not have been made. The audit log must not say
// "error" for it, so change marks the error audit.ErrNoAnswer and gives the trail a way to
// read the object back (readBack); when that is not possible either, the outcome is
// "unknown" and the next run, finding the change made, settles it (settleEarlier).

// readBackTimeout bounds reading a change back: the technician has pressed Ctrl-C, or the
// domain controller has just failed to answer, so this must not keep them waiting long.
const readBackTimeout = 5 * time.Second

// readBackPause is the wait between two looks at a change not (yet) there, and
// readBackWindow how long to keep looking: a request whose connection was closed under it
// has been seen to land on Samba just after a first look.
const (
	readBackPause  = 200 * time.Millisecond
	readBackWindow = 1500 * time.Millisecond
)

// noAnswerError is a change's request that got no answer. It reads as what happened.
type noAnswerError struct {
	reason string
	err    error
}

func (e *noAnswerError) Error() string { return e.reason }
func (e *noAnswerError) Unwrap() []error {
	return []error{audit.ErrNoAnswer, e.err}
}

// interruptedError adds context.Canceled to a change cut short by Ctrl-C, so callers tell
// the technician's own act from a domain controller gone away.
type interruptedError struct{ noAnswerError }

func (e *interruptedError) Unwrap() []error {
	return []error{audit.ErrNoAnswer, context.Canceled, e.err}
}

// noAnswer classifies apply's error: a lost connection or a timeout (directory.ErrUnreachable)
// means the request may have been made; anything else is the directory's own answer.
func noAnswer(ctx context.Context, err error) error {
	if err == nil || !errors.Is(err, directory.ErrUnreachable) {
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Ctrl-C closed the connection (CloseOnInterrupt) while the request was under way.
		return &interruptedError{noAnswerError{reason: "interrupted while the request was under way", err: err}}
	}
	return &noAnswerError{reason: err.Error(), err: err}
}

// readBack returns the function that tells whether a change of this kind is in the directory,
// or nil for changes that cannot be read back (a password).
func (c *Client) readBack(action string, tgt audit.Target, changes []audit.Change) func(context.Context) (bool, error) {
	value := func(attr string, after bool) string {
		for _, ch := range changes {
			if strings.EqualFold(ch.Attribute, attr) {
				v := ch.Before
				if after {
					v = ch.After
				}
				if v == nil {
					return ""
				}
				return fmt.Sprint(v)
			}
		}
		return ""
	}
	if tgt.DN == "" {
		return nil
	}
	switch action {
	case "user.create":
		filter := "(objectClass=user)"
		if id := value("employeeID", true); id != "" {
			filter = "(&(objectClass=user)(employeeID=" + ldap.EscapeFilter(id) + "))"
		}
		return c.checkWith(func(conn *ldap.Conn) (bool, error) { return exists(conn, tgt.DN, filter) })
	case "user.move", "computer.move":
		// objectClass=user matches computer accounts too (computer derives from user).
		ou := value("ou", true)
		if ou == "" {
			return nil
		}
		rdn, _ := dn.Split(tgt.DN)
		if cn := value("cn", true); cn != "" {
			rdn = "CN=" + ldap.EscapeDN(cn)
		}
		moved := rdn + "," + ou
		return c.checkWith(func(conn *ldap.Conn) (bool, error) {
			if dnEqual(moved, tgt.DN) {
				return exists(conn, moved, "(objectClass=user)")
			}
			there, err := exists(conn, moved, "(objectClass=user)")
			if err != nil || !there {
				return false, err
			}
			left, err := exists(conn, tgt.DN, "(objectClass=*)")
			return !left, err
		})
	case "group.add_member", "group.remove_member":
		add := action == "group.add_member"
		group := value("group", add)
		if group == "" {
			return nil
		}
		return c.checkWith(func(conn *ldap.Conn) (bool, error) {
			member, err := exists(conn, group, "(member="+ldap.EscapeFilter(tgt.DN)+")")
			return member == add, err
		})
	case "user.disable", "user.enable", "computer.disable", "computer.enable":
		return c.checkWith(func(conn *ldap.Conn) (bool, error) {
			e, err := readOne(conn, tgt.DN, "userAccountControl")
			if err != nil || e == nil {
				return false, err
			}
			uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
			return (uac&uacAccountDisable != 0) == strings.HasSuffix(action, ".disable"), nil
		})
	case "computer.delete":
		return c.checkWith(func(conn *ldap.Conn) (bool, error) {
			there, err := exists(conn, tgt.DN, "(objectClass=*)")
			return !there, err
		})
	case "user.update":
		if len(changes) != 1 || changes[0].Secret {
			return nil
		}
		attr, want := changes[0].Attribute, value(changes[0].Attribute, true)
		return c.checkWith(func(conn *ldap.Conn) (bool, error) {
			e, err := readOne(conn, tgt.DN, attr)
			if err != nil || e == nil {
				return false, err
			}
			return e.GetAttributeValue(attr) == want, nil
		})
	}
	return nil
}

// checkWith runs check on a fresh connection: the one the change was sent on was closed by
// the interrupt, or may be wedged behind the request that did not answer.
func (c *Client) checkWith(check func(*ldap.Conn) (bool, error)) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
		defer cancel()
		conn, err := c.freshConn(ctx)
		if err != nil {
			return false, err
		}
		defer conn.Close()
		// The request whose connection was closed may still be under way on the server: look
		// again for a moment before saying it is not there.
		giveUp := time.Now().Add(readBackWindow)
		for {
			made, err := check(conn)
			if made || err != nil {
				return made, err
			}
			if time.Now().After(giveUp) {
				return false, nil
			}
			select {
			case <-ctx.Done():
				return false, nil
			case <-time.After(readBackPause):
			}
		}
	}
}

// freshConn opens and binds a second connection with the Client's settings, within ctx's
// deadline, to the DC the Client is connected to (the one that answered, when Candidates
// named several).
func (c *Client) freshConn(ctx context.Context) (*ldap.Conn, error) {
	cfg := c.cfg
	if d, ok := ctx.Deadline(); ok {
		cfg.Timeout = max(time.Until(d), time.Millisecond)
	}
	ep, err := parseEndpoint(cmp.Or(c.url, cfg.URL))
	if err != nil {
		return nil, err
	}
	conn, layer, err := dial(ctx, cfg, ep)
	if err != nil {
		return nil, err
	}
	info, err := readRootDSE(conn)
	conn.SetTimeout(cfg.timeout())
	if err == nil {
		conn, _, err = bind(ctx, conn, layer, cfg, ep, info)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// exists reports whether dn names an object that filter matches.
func exists(conn *ldap.Conn, dn, filter string) (bool, error) {
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		filter, []string{"1.1"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(res.Entries) > 0, nil
}

// readOne reads attrs of the object at dn, or nil if there is none.
func readOne(conn *ldap.Conn, dn string, attrs ...string) (*ldap.Entry, error) {
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", attrs, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil || len(res.Entries) == 0 {
		return nil, err
	}
	return res.Entries[0], nil
}

// settleEarlier writes the missing outcome of earlier runs' intents for a change found
// already made: same action, same account (by DN or name) and, for memberships and moves,
// the same group or OU. note says how it was found.
func (c *Client) settleEarlier(ctx context.Context, action string, tgt audit.Target, changes []audit.Change, note string) error {
	return c.settleEarlierAs(ctx, c.trail.SettleEarlier, action, tgt, changes, note)
}

// supersedeEarlier is settleEarlier for a change this run has just made: the earlier request
// was not made (see audit.Trail.SupersedeEarlier).
func (c *Client) supersedeEarlier(ctx context.Context, action string, tgt audit.Target, changes []audit.Change, note string) error {
	return c.settleEarlierAs(ctx, c.trail.SupersedeEarlier, action, tgt, changes, note)
}

func (c *Client) settleEarlierAs(ctx context.Context, settle func(context.Context, func(audit.Record) bool, string) (int, error),
	action string, tgt audit.Target, changes []audit.Change, note string) error {
	key := ""
	switch action {
	case "group.add_member", "group.remove_member", "user.move", "user.update", "computer.move":
		key = firstAttr(changes)
	case "user.create":
		key = "employeeID" // the same person, whatever name the account ended up with
	}
	keyValue := func(cs []audit.Change) string {
		for _, ch := range cs {
			if ch.Attribute == key {
				if ch.After != nil {
					return fmt.Sprint(ch.After)
				}
				return fmt.Sprint(ch.Before)
			}
		}
		return ""
	}
	want := keyValue(changes)
	_, err := settle(ctx, func(r audit.Record) bool {
		if r.Action != action || r.Directory != audit.DirectoryAD {
			return false
		}
		if !(tgt.DN != "" && dnEqual(r.Target.DN, tgt.DN) || tgt.Name != "" && strings.EqualFold(r.Target.Name, tgt.Name)) {
			return false
		}
		if key == "" {
			return true
		}
		got := keyValue(r.Changes)
		switch key {
		case "group", "ou":
			return dnEqual(got, want)
		case "employeeID":
			return strings.EqualFold(got, want)
		}
		return strings.EqualFold(key, firstAttr(r.Changes)) // user.update: the same attribute
	}, note)
	return err
}

func firstAttr(cs []audit.Change) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[0].Attribute
}
