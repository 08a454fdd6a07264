package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// SetComputerEnabled enables or disables a computer account (ACCOUNTDISABLE in
// userAccountControl). A disabled computer can no longer authenticate to the domain: its
// users can still log on with cached credentials, but not with new ones.
func (c *Client) SetComputerEnabled(ctx context.Context, ident string, enable bool) (directory.ComputerOutcome, error) {
	pc, err := c.Computer(ctx, ident)
	if err != nil {
		return directory.ComputerOutcome{}, err
	}
	action, verb, state := "computer.disable", "disable", "disabled"
	next := pc.UserAccountControl | uacAccountDisable
	if enable {
		action, verb, state = "computer.enable", "enable", "enabled"
		next = pc.UserAccountControl &^ uacAccountDisable
	}
	changes := []audit.Change{{Attribute: "userAccountControl", Before: pc.UserAccountControl, After: next}}
	if next == pc.UserAccountControl {
		err := c.change(ctx, action, computerTarget(pc), changes, func(context.Context) error {
			return audit.Skipped("computer was already " + state)
		})
		if err := ignoreSkipped(err); err != nil {
			return directory.ComputerOutcome{Computer: pc}, err
		}
		return directory.ComputerOutcome{Computer: pc, Note: "was already " + state}, nil
	}
	req := ldap.NewModifyRequest(pc.DN, nil)
	req.Replace("userAccountControl", []string{strconv.Itoa(next)})
	err = c.change(ctx, action, computerTarget(pc), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("%s computer %s: %w", verb, pc.Label(), err)
	}
	return c.computerDryRunAware(directory.ComputerOutcome{Computer: pc, Changed: true, Note: state}, "would "+verb), nil
}

// MoveComputer moves a computer account to another OU, keeping its name. Group Policy
// linked to the new OU applies at the computer's next policy refresh.
func (c *Client) MoveComputer(ctx context.Context, ident, ou string) (directory.ComputerOutcome, error) {
	if _, err := ldap.ParseDN(ou); err != nil {
		return directory.ComputerOutcome{}, fmt.Errorf("%w: --ou %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ou, err)
	}
	pc, err := c.Computer(ctx, ident)
	if err != nil {
		return directory.ComputerOutcome{}, err
	}
	if e, err := c.readEntry(ctx, ou, "(objectClass=*)", []string{"objectClass"}); err != nil {
		return directory.ComputerOutcome{Computer: pc}, err
	} else if e == nil {
		return directory.ComputerOutcome{Computer: pc}, &directory.NotFoundError{Kind: "OU", Ident: ou}
	} else if !isContainer(e.GetAttributeValues("objectClass")) {
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("%w: --ou %q is a %s, not an OU or container; give the DN of the OU to move %s to",
			directory.ErrInvalidInput, ou, lastClass(e.GetAttributeValues("objectClass")), pc.Label())
	}
	rdn, parent := dn.Split(pc.DN)
	changes := []audit.Change{{Attribute: "ou", Before: parent, After: ou}}
	if dnEqual(parent, ou) {
		err := c.change(ctx, "computer.move", computerTarget(pc), changes, func(context.Context) error {
			return audit.Skipped("already in " + ou)
		})
		return directory.ComputerOutcome{Computer: pc, Note: "already in " + ou}, ignoreSkipped(err)
	}
	// Computer names are unique among computers, but a user, group or contact may hold the
	// same CN in the target OU. Said before the directory answers "an object with that name
	// already exists", which names neither the object nor the way out.
	if taken, err := c.nameHolder(ctx, rdn, ou); err != nil {
		return directory.ComputerOutcome{Computer: pc}, err
	} else if taken != nil {
		kind := lastClass(taken.GetAttributeValues("objectClass"))
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("%w: cannot move computer %s to %s: the name %q is already taken there by a %s (%s); "+
			"rename or move that %s first, or move the computer to another OU; nothing was changed",
			directory.ErrInvalidInput, pc.Label(), ou, dn.CommonName(pc.DN), kind, taken.DN, kind)
	}
	req := ldap.NewModifyDNRequest(pc.DN, rdn, true, ou)
	err = c.change(ctx, "computer.move", computerTarget(pc), changes, func(ctx context.Context) error {
		if err := c.conn.ModifyDN(req); err != nil {
			return goneMeanwhile(explainLDAPError(err), func() bool {
				now, err := c.Computer(ctx, pc.ObjectGUID)
				return err == nil && dnEqual(dn.Parent(now.DN), ou)
			}, "already in "+ou+" (another run moved it at the same time)")
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		return directory.ComputerOutcome{Computer: pc, Note: "already in " + ou + " (another run just moved it)"}, nil
	}
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("move computer %s to %s: %w", pc.Label(), ou, err)
	}
	return c.computerDryRunAware(directory.ComputerOutcome{Computer: pc, Changed: true, Note: "moved to " + ou}, "would move to "+ou), nil
}

// machinePasswordLength is the length of the random password a reset gives a computer
// account, as long as the ones Windows sets for itself (120 characters).
const machinePasswordLength = 120

// ResetComputerPassword gives a computer account a new random password that nobody is shown:
// ADUC's "Reset Account". It is for a broken trust ("the trust relationship between this
// workstation and the primary domain failed"): afterwards the computer rejoins, or
// `Test-ComputerSecureChannel -Repair` on it sets a password both sides know, and the
// account keeps its SID, groups and BitLocker and LAPS data.
func (c *Client) ResetComputerPassword(ctx context.Context, ident string) (directory.ComputerOutcome, error) {
	pc, err := c.Computer(ctx, ident)
	if err != nil {
		return directory.ComputerOutcome{}, err
	}
	p, err := password.Generate(machinePasswordLength)
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, err
	}
	req := ldap.NewModifyRequest(pc.DN, nil)
	req.Replace("unicodePwd", []string{encodePassword(secret.New(p))})
	changes := []audit.Change{{Attribute: "unicodePwd", Secret: true}}
	err = c.change(ctx, "computer.reset_password", computerTarget(pc), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("reset the account of computer %s: %w", pc.Label(), err)
	}
	note := "account password reset; on " + pc.Label() + " run Test-ComputerSecureChannel -Repair (as an account that may join it) or rejoin the domain"
	return c.computerDryRunAware(directory.ComputerOutcome{Computer: pc, Changed: true, Note: note}, "would reset the account password"), nil
}

// DeleteComputer deletes a computer account (and, with Force, what lies below it) after
// saving its snapshot.
func (c *Client) DeleteComputer(ctx context.Context, ident string, opts directory.DeleteComputerOptions) (directory.ComputerOutcome, *directory.ComputerSnapshot, error) {
	if opts.Save == nil {
		return directory.ComputerOutcome{}, nil, fmt.Errorf("delete computer %s: no snapshot destination", ident)
	}
	e, err := c.findOne(ctx, kindComputer, ident, append(computerAttributeList(), "servicePrincipalName"))
	if err != nil {
		return directory.ComputerOutcome{}, nil, err
	}
	pc := computerFromEntry(e)
	var children []string
	err = c.searchEachOneLevel(ctx, pc.DN, func(ch *ldap.Entry) error {
		children = append(children, ch.DN)
		return nil
	})
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, nil, fmt.Errorf("list the objects below computer %s: %w", pc.Label(), err)
	}
	if len(children) > 0 && !opts.Force {
		return directory.ComputerOutcome{Computer: pc}, nil, fmt.Errorf("%w: computer %s holds %d object(s) (BitLocker recovery information, for instance) that would be deleted with it; "+
			"read what you need first (adkit computer bitlocker %s), then add --force", directory.ErrInvalidInput, pc.Label(), len(children), pc.Label())
	}
	snap := &directory.ComputerSnapshot{
		Version: 1, TakenAt: opts.Now.UTC(), DN: pc.DN, OU: dn.Parent(pc.DN), Name: pc.Name,
		SAMAccountName: pc.SAMAccountName, DNSHostName: pc.DNSHostName, OperatingSystem: pc.OperatingSystem,
		OperatingSystemVersion: pc.OperatingSystemVersion, Description: pc.Description, Location: pc.Location,
		ManagedBy: pc.ManagedBy, UserAccountControl: pc.UserAccountControl, MemberOf: pc.MemberOf,
		ServicePrincipalNames: sortedValues(e, "servicePrincipalName"), ObjectGUID: pc.ObjectGUID, ObjectSID: pc.ObjectSID,
		Children: children,
	}
	if snap.ServicePrincipalNames == nil {
		snap.ServicePrincipalNames = []string{}
	}
	if snap.Children == nil {
		snap.Children = []string{}
	}
	if !c.DryRun() {
		if err := opts.Save(snap); err != nil {
			return directory.ComputerOutcome{Computer: pc}, snap, fmt.Errorf("save the snapshot of computer %s (nothing was deleted): %w", pc.Label(), err)
		}
	}
	req := ldap.NewDelRequest(pc.DN, nil)
	if len(children) > 0 {
		// Tree delete (LDAP_SERVER_TREE_DELETE_OID): a plain delete of an object with children
		// is refused with notAllowedOnNonLeaf.
		req.Controls = append(req.Controls, ldap.NewControlString(controlTreeDelete, true, ""))
	}
	changes := []audit.Change{{Attribute: "dn", Before: pc.DN}}
	if len(children) > 0 {
		changes = append(changes, audit.Change{Attribute: "children", Before: len(children)})
	}
	err = c.change(ctx, "computer.delete", computerTarget(pc), changes, func(ctx context.Context) error {
		if err := c.conn.Del(req); err != nil {
			return goneMeanwhile(explainLDAPError(err), func() bool {
				_, err := c.Computer(ctx, pc.ObjectGUID)
				return errors.Is(err, directory.ErrNotFound)
			}, "another run deleted it at the same time")
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		return directory.ComputerOutcome{Computer: pc, Note: "already deleted (another run just deleted it)"}, snap, nil
	}
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, snap, fmt.Errorf("delete computer %s: %w", pc.Label(), err)
	}
	return c.computerDryRunAware(directory.ComputerOutcome{Computer: pc, Changed: true, Note: "deleted"}, "would delete"), snap, nil
}

const controlTreeDelete = "1.2.840.113556.1.4.805"

// searchEachOneLevel lists the objects directly below dn.
func (c *Client) searchEachOneLevel(ctx context.Context, dn string, fn func(*ldap.Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := ldap.NewSearchRequest(dn, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"objectClass"}, nil)
	c.cfg.debugf("list %q", dn)
	res, err := c.conn.Search(req)
	if err != nil {
		return explainLDAPError(err)
	}
	for _, e := range res.Entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
