package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// DomainDNSName turns the domain's naming context (DC=corp,DC=example,DC=com) into its DNS
// name (corp.example.com), the default UPN suffix.
func (c *Client) DomainDNSName() string {
	dn, err := ldap.ParseDN(c.info.DefaultNamingContext)
	if err != nil {
		return ""
	}
	var labels []string
	for _, rdn := range dn.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "DC") {
				labels = append(labels, a.Value)
			}
		}
	}
	return strings.Join(labels, ".")
}

// CreateUser creates an enabled account with a password, then adds it to its groups. Every
// name is resolved and checked before anything is written, so bad input (an unknown group or
// manager, a taken logon name, a missing OU) changes nothing.
func (c *Client) CreateUser(ctx context.Context, nu directory.NewUser) (directory.CreateResult, error) {
	var res directory.CreateResult
	if strings.TrimSpace(nu.GivenName) == "" || strings.TrimSpace(nu.Surname) == "" {
		return res, fmt.Errorf("%w: a new account needs a given name and a surname", directory.ErrInvalidInput)
	}
	if nu.SAMAccountName == "" {
		return res, fmt.Errorf("%w: a new account needs a logon name (sAMAccountName)", directory.ErrInvalidInput)
	}
	if err := validSAM(nu.SAMAccountName); err != nil {
		return res, err
	}
	if nu.DisplayName == "" {
		nu.DisplayName = nu.GivenName + " " + nu.Surname
	}
	if nu.UserPrincipalName == "" {
		nu.UserPrincipalName = nu.SAMAccountName + "@" + c.DomainDNSName()
	}
	if nu.OU == "" {
		nu.OU = "CN=Users," + c.info.DefaultNamingContext
	}
	if _, err := ldap.ParseDN(nu.OU); err != nil {
		return res, fmt.Errorf("%w: OU %q is not a valid distinguished name: %v", directory.ErrInvalidInput, nu.OU, err)
	}
	if ou, err := c.readEntry(ctx, nu.OU, "(objectClass=*)", []string{"1.1"}); err != nil {
		return res, err
	} else if ou == nil {
		return res, &directory.NotFoundError{Kind: "OU", Ident: nu.OU}
	}
	taken, err := c.NamesInUse(ctx, []string{nu.SAMAccountName, nu.UserPrincipalName, nu.Mail})
	if err != nil {
		return res, err
	}
	for _, n := range []string{nu.SAMAccountName, nu.UserPrincipalName, nu.Mail} {
		if n != "" && taken[strings.ToLower(n)] {
			return res, fmt.Errorf("%w: %q is already used by another account (as a logon name, UPN or mail address)", directory.ErrInvalidInput, n)
		}
	}
	managerDN := ""
	if nu.Manager != "" {
		m, err := c.User(ctx, nu.Manager)
		if err != nil {
			return res, fmt.Errorf("manager: %w", err)
		}
		managerDN = m.DN
	}
	for _, g := range nu.Groups {
		ref, err := c.ResolveGroup(ctx, g)
		if err != nil {
			return res, err
		}
		res.Groups = append(res.Groups, ref)
	}
	// A CN must be unique in its OU: when the name is taken there, the account is named the
	// way onboarding names a second "Ana Silva", "Ana Silva (asilva2)". Checked here, before
	// anything is written, so a dry run finds the clash the real run would hit.
	free, renamed, err := c.FreeUserDN(ctx, nu.DisplayName, nu.SAMAccountName, nu.OU, "")
	if err != nil {
		return res, err
	}
	res.DN = free
	if renamed {
		res.Renamed = fmt.Sprintf("%q is already taken in %s, so the account is named %q",
			directory.UserCN(nu.DisplayName), nu.OU, directory.UserCNWith(nu.DisplayName, nu.SAMAccountName))
	}

	policy, err := c.DomainPasswordPolicy(ctx)
	if err != nil {
		return res, err
	}
	res.Password = nu.Password
	if res.Password.IsZero() {
		p, err := password.GenerateAs(nu.PasswordFormat, max(nu.PasswordLength, policy.MinLength, password.MinLength))
		if err != nil {
			return res, err
		}
		res.Password, res.Generated = secret.New(p), true
	} else if err := password.Check(res.Password.Reveal(), policy.MinLength, policy.Complexity); err != nil {
		return res, fmt.Errorf("%w: %v", directory.ErrInvalidInput, err)
	}

	if nu.EmployeeID != "" {
		found, err := c.ExistingByEmployeeID(ctx, []string{nu.EmployeeID})
		if err != nil {
			return res, err
		}
		for _, u := range found {
			return res, fmt.Errorf("%w: employee ID %s already has an account: %s (%s)", directory.ErrInvalidInput, nu.EmployeeID, u.Name(), u.DN)
		}
	}
	res.User, err = c.addAccount(ctx, directory.NewAccount{
		DN: res.DN, SAMAccountName: nu.SAMAccountName, UserPrincipalName: nu.UserPrincipalName,
		GivenName: nu.GivenName, Surname: nu.Surname, DisplayName: nu.DisplayName, Mail: nu.Mail,
		EmployeeID: nu.EmployeeID, Department: nu.Department, Title: nu.Title, ManagerDN: managerDN,
		Description: nu.Description, AccountExpires: nu.AccountExpires, Password: res.Password,
		MustChangePassword: nu.MustChange,
	})
	if err != nil && nameTaken(err) {
		// Free when checked above, taken now: another run (a colleague on the same ticket)
		// created it in between. Its password is the one that run gave, not this run's.
		return res, fmt.Errorf("%w: cannot create %s: the name was free a moment ago and is taken now, most likely by another run at the same time; "+
			"look with adkit user show %s; nothing was changed by this run (%w)", directory.ErrInvalidInput, nu.SAMAccountName, nu.SAMAccountName, err)
	}
	if err != nil {
		return res, err
	}
	tgt := audit.Target{DN: res.DN, Name: nu.SAMAccountName}
	if c.DryRun() {
		for _, g := range res.Groups {
			// Recorded as dry runs too, so the log shows the whole of what would have happened.
			if err := c.change(ctx, "group.add_member", tgt, []audit.Change{{Attribute: "group", After: g.DN}}, noop); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	for _, g := range res.Groups {
		if _, err := c.ensureMembership(ctx, g, res.User, true); err != nil {
			return res, fmt.Errorf("account %s was created, but: %w", nu.SAMAccountName, err)
		}
	}
	return res, nil
}

// validSAM enforces AD's rules for sAMAccountName: at most 20 characters, none of "/\[]:;|=,+*?<>@,
// and not only dots and spaces.
func validSAM(s string) error {
	if len([]rune(s)) > 20 {
		return fmt.Errorf("%w: logon name %q is longer than 20 characters", directory.ErrInvalidInput, s)
	}
	if strings.ContainsAny(s, `"/\[]:;|=,+*?<>@`) {
		return fmt.Errorf("%w: logon name %q contains a character AD does not allow (\"/\\[]:;|=,+*?<>@)", directory.ErrInvalidInput, s)
	}
	if strings.Trim(s, ". ") == "" || strings.HasSuffix(s, ".") {
		return fmt.Errorf("%w: logon name %q may not be only dots and spaces or end with a dot", directory.ErrInvalidInput, s)
	}
	return nil
}

// NamesInUse reports, in a few searches, which of the names (lower-cased in the result) are
// taken: a name without "@" as a sAMAccountName; one with "@" as a userPrincipalName, a mail
// address or a proxy address.
func (c *Client) NamesInUse(ctx context.Context, names []string) (map[string]bool, error) {
	used := map[string]bool{}
	var wanted []string
	for _, n := range names {
		if n != "" {
			wanted = append(wanted, n)
		}
	}
	for start := 0; start < len(wanted); start += dnBatch {
		var b strings.Builder
		b.WriteString("(|")
		for _, n := range wanted[start:min(start+dnBatch, len(wanted))] {
			v := ldap.EscapeFilter(n)
			if strings.Contains(n, "@") {
				fmt.Fprintf(&b, "(userPrincipalName=%s)(mail=%s)(proxyAddresses=smtp:%s)", v, v, v)
			} else {
				// A name without "@" can only collide with a logon name.
				fmt.Fprintf(&b, "(sAMAccountName=%s)", v)
			}
		}
		b.WriteString(")")
		err := c.searchOnce(ctx, c.info.DefaultNamingContext, b.String(), []string{"sAMAccountName", "userPrincipalName", "mail", "proxyAddresses"},
			func(e *ldap.Entry) error {
				for _, a := range []string{"sAMAccountName", "userPrincipalName", "mail"} {
					if v := e.GetAttributeValue(a); v != "" {
						used[strings.ToLower(v)] = true
					}
				}
				for _, p := range e.GetAttributeValues("proxyAddresses") {
					if _, addr, ok := strings.Cut(p, ":"); ok {
						used[strings.ToLower(addr)] = true
					}
				}
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("check names in use: %w", err)
		}
	}
	return used, nil
}

// MoveUser moves an account to another OU, keeping its name.
func (c *Client) MoveUser(ctx context.Context, ident, ou string) (directory.Outcome, error) {
	o, _, err := c.moveUser(ctx, ident, ou, false)
	return o, err
}

// moveUser moves an account to another OU. With renameOnClash, an account whose name is
// already taken there is renamed the way onboarding names a second "Ana Silva":
// "CN=Ana Silva (asilva2)"; otherwise the directory's refusal is the answer. movedDN is where
// the account is (or, on a dry run, would be) afterwards.
func (c *Client) moveUser(ctx context.Context, ident, ou string, renameOnClash bool) (o directory.Outcome, movedDN string, err error) {
	if _, err := ldap.ParseDN(ou); err != nil {
		return directory.Outcome{}, "", fmt.Errorf("%w: --ou %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ou, err)
	}
	u, err := c.User(ctx, ident)
	if err != nil {
		return directory.Outcome{}, "", err
	}
	if e, err := c.readEntry(ctx, ou, "(objectClass=*)", []string{"objectClass"}); err != nil {
		return directory.Outcome{User: u}, "", err
	} else if e == nil {
		return directory.Outcome{User: u}, "", &directory.NotFoundError{Kind: "OU", Ident: ou}
	} else if !isContainer(e.GetAttributeValues("objectClass")) {
		// Said before the directory answers with a naming violation nobody can read.
		return directory.Outcome{User: u}, "", fmt.Errorf("%w: --ou %q is a %s, not an OU or container; give the DN of the OU to move %s to",
			directory.ErrInvalidInput, ou, lastClass(e.GetAttributeValues("objectClass")), u.Name())
	}
	parsed, err := ldap.ParseDN(u.DN)
	if err != nil || len(parsed.RDNs) < 2 {
		return directory.Outcome{User: u}, "", fmt.Errorf("move %s: cannot parse its DN %q", u.Name(), u.DN)
	}
	rdn, parent := dn.Split(u.DN)
	changes := []audit.Change{{Attribute: "ou", Before: parent, After: ou}}
	if dnEqual(parent, ou) {
		err := c.change(ctx, "user.move", target(u), changes, func(context.Context) error {
			return audit.Skipped("already in " + ou)
		})
		return directory.Outcome{User: u, Note: "already in " + ou}, u.DN, ignoreSkipped(err)
	}
	note, would := "moved to "+ou, "would move to "+ou
	cn := parsed.RDNs[0].Attributes[0].Value
	taken, err := c.nameHolder(ctx, rdn, ou)
	if err != nil {
		return directory.Outcome{User: u}, "", err
	}
	if taken != nil && !renameOnClash {
		// Said before the directory answers "an object with that name already exists",
		// which names neither the name nor the way out.
		return directory.Outcome{User: u}, "", fmt.Errorf("%w: cannot move %s to %s: the name %q is already taken there by another object; "+
			"rename one of them first (adkit user rename %s --given-name … --surname …), then move again; nothing was changed",
			directory.ErrInvalidInput, u.Name(), ou, cn, u.Name())
	}
	if renameOnClash {
		if taken != nil {
			alt := cnWithUsername(cn, u.SAMAccountName)
			if other, err := c.readEntry(ctx, "CN="+ldap.EscapeDN(alt)+","+ou, "(objectClass=*)", []string{"1.1"}); err != nil {
				return directory.Outcome{User: u}, "", err
			} else if other != nil {
				return directory.Outcome{User: u}, "", &RefusedError{Reason: fmt.Sprintf("both %q and %q are taken in %s: rename one of them, then run again", cn, alt, ou)}
			}
			rdn = "CN=" + ldap.EscapeDN(alt)
			changes = append(changes, audit.Change{Attribute: "cn", Before: cn, After: alt})
			named := fmt.Sprintf(", named %q there (%q is taken)", alt, cn)
			note, would = note+named, would+named
		}
	}
	req := ldap.NewModifyDNRequest(u.DN, rdn, true, ou)
	err = c.change(ctx, "user.move", target(u), changes, func(ctx context.Context) error {
		if err := c.conn.ModifyDN(req); err != nil {
			// Gone from where we read it: another run may have moved it there just now.
			return goneMeanwhile(explainLDAPError(err), func() bool {
				if u.ObjectGUID == "" {
					return false
				}
				now, err := c.User(ctx, u.ObjectGUID)
				return err == nil && dnEqual(dn.Parent(now.DN), ou)
			}, "already in "+ou+" (another run moved it at the same time)")
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		return directory.Outcome{User: u, Note: "already in " + ou + " (another run just moved it)"}, rdn + "," + ou, nil
	}
	if err != nil {
		return directory.Outcome{User: u}, "", fmt.Errorf("move %s to %s: %w", u.Name(), ou, err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, would), rdn + "," + ou, nil
}

// cnWithUsername is onboarding's answer to a name already taken in an OU: the (domain-unique)
// logon name added, "Ana Silva (asilva2)" — the one rule in directory.UserCNWith.
func cnWithUsername(cn, sam string) string { return directory.UserCNWith(cn, sam) }

// nameHolder is the object already named rdn in ou (nil: the name is free there), with its
// objectClass: what user move and computer move look at before a move, so that a clash is
// said with the name and the way out rather than as the directory's entryAlreadyExists.
func (c *Client) nameHolder(ctx context.Context, rdn, ou string) (*ldap.Entry, error) {
	return c.readEntry(ctx, rdn+","+ou, "(objectClass=*)", []string{"objectClass"})
}

// containerClasses are the object classes a user account can be moved into.
var containerClasses = []string{"organizationalUnit", "container", "domainDNS", "builtinDomain"}

func isContainer(classes []string) bool {
	for _, cl := range containerClasses {
		if containsFold(classes, cl) {
			return true
		}
	}
	return false
}

// lastClass is an object's most specific class ("group", "user"), for messages.
func lastClass(classes []string) string {
	if len(classes) == 0 {
		return "object"
	}
	return classes[len(classes)-1]
}

func dnEqual(a, b string) bool {
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return da.EqualFold(db)
}
