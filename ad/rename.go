package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	ldapdn "github.com/adkit-dev/adkit/internal/dn"
)

// FreeUserDN names an account CN=<display name> in ou, or, when another object already has
// that name there, CN=<display name> (<sam>) — as onboarding names a second "Ana Silva".
// self is the account's current DN (a rename may keep its own name); renamed says the plain
// form was taken. Every single-account path that names an account uses it.
func (c *Client) FreeUserDN(ctx context.Context, display, sam, ou, self string) (dn string, renamed bool, err error) {
	plain := "CN=" + escapeRDN(directory.UserCN(display)) + "," + ou
	alt := "CN=" + escapeRDN(directory.UserCNWith(display, sam)) + "," + ou
	used, err := c.DNsInUse(ctx, []string{plain, alt})
	if err != nil {
		return "", false, err
	}
	free := func(dn string) bool { return !used[dn] || (self != "" && dnEqual(dn, self)) }
	switch {
	case free(plain):
		return plain, false, nil
	case free(alt):
		return alt, true, nil
	}
	return "", false, fmt.Errorf("%w: both %s and %s already exist: pick another display name or OU", directory.ErrInvalidInput, plain, alt)
}

// escapeRDN escapes an RDN value as onboarding does: RFC 4514, and '=' too.
func escapeRDN(v string) string { return strings.ReplaceAll(ldap.EscapeDN(v), "=", `\=`) }

// RenameUser gives an account a new name (a marriage, a correction) and keeps the names
// derived from it consistent: givenName, sn, displayName and the CN ("Given Surname", or
// "Given Surname (sam)" when another object in the OU has that name); the mail address when it
// followed the old name (first.last@domain → newfirst.newlast@domain, numbered like
// onboarding when taken; the old address stays as a secondary proxy address so mail keeps
// arriving); the UPN when it equalled the mail address, or sam@suffix and the logon name
// changes, or as given. Names are checked before anything is written.
func (c *Client) RenameUser(ctx context.Context, ident string, o directory.RenameOptions) (directory.Outcome, error) {
	o.GivenName, o.Surname = strings.TrimSpace(o.GivenName), strings.TrimSpace(o.Surname)
	if o.GivenName == "" || o.Surname == "" {
		return directory.Outcome{}, fmt.Errorf("%w: a rename needs the new given name and surname", directory.ErrInvalidInput)
	}
	e, err := c.findOne(ctx, kindUser, ident, append(userAttributeList(), "proxyAddresses", "cn"))
	if err != nil {
		return directory.Outcome{}, err
	}
	u := userFromEntry(e)
	sam := u.SAMAccountName
	if o.SAMAccountName != "" && !strings.EqualFold(o.SAMAccountName, sam) {
		if err := validSAM(o.SAMAccountName); err != nil {
			return directory.Outcome{User: u}, err
		}
		sam = o.SAMAccountName
	}
	display := o.GivenName + " " + o.Surname

	// Mail follows the name when it was made from the name.
	mail := u.Mail
	local, domain, hasMail := strings.Cut(u.Mail, "@")
	if hasMail && strings.EqualFold(local, directory.ASCIIFold(u.GivenName)+"."+directory.ASCIIFold(u.Surname)) {
		base := directory.ASCIIFold(o.GivenName) + "." + directory.ASCIIFold(o.Surname)
		if base != "." {
			if mail, err = c.freeAddress(ctx, base, domain, u); err != nil {
				return directory.Outcome{User: u}, err
			}
		}
	}
	upn := u.UserPrincipalName
	_, suffix, _ := strings.Cut(u.UserPrincipalName, "@")
	switch {
	case o.UserPrincipalName != "":
		upn = o.UserPrincipalName
	case u.Mail != "" && strings.EqualFold(u.UserPrincipalName, u.Mail):
		upn = mail
	case sam != u.SAMAccountName && strings.EqualFold(u.UserPrincipalName, u.SAMAccountName+"@"+suffix):
		upn = sam + "@" + suffix
	}
	var check []string
	if sam != u.SAMAccountName {
		check = append(check, sam)
	}
	if !strings.EqualFold(upn, u.UserPrincipalName) {
		check = append(check, upn)
	}
	if len(check) > 0 {
		taken, err := c.namesInUseByOthers(ctx, check, u)
		if err != nil {
			return directory.Outcome{User: u}, err
		}
		for _, n := range check {
			if taken[strings.ToLower(n)] {
				return directory.Outcome{User: u}, fmt.Errorf("%w: %q is already used by another account; nothing was changed", directory.ErrInvalidInput, n)
			}
		}
	}
	ou := ldapdn.Parent(u.DN)
	newDN, clash, err := c.FreeUserDN(ctx, display, sam, ou, u.DN)
	if err != nil {
		return directory.Outcome{User: u}, err
	}

	req := ldap.NewModifyRequest(u.DN, nil) // the DN is switched to newDN after the rename
	var changes []audit.Change
	var words []string
	set := func(attr, before, after string) {
		if before == after {
			return
		}
		req.Replace(attr, []string{after})
		changes = append(changes, audit.Change{Attribute: attr, Before: before, After: after})
		words = append(words, fmt.Sprintf("%s %s → %s", attr, quoteOrEmpty(before), quoteOrEmpty(after)))
	}
	rdnChange := !dnEqual(newDN, u.DN)
	if rdnChange {
		changes = append(changes, audit.Change{Attribute: "cn", Before: ldapdn.CommonName(u.DN), After: ldapdn.CommonName(newDN)})
		words = append(words, fmt.Sprintf("cn %q → %q", ldapdn.CommonName(u.DN), ldapdn.CommonName(newDN)))
	}
	set("givenName", u.GivenName, o.GivenName)
	set("sn", u.Surname, o.Surname)
	set("displayName", u.DisplayName, display)
	set("sAMAccountName", u.SAMAccountName, sam)
	set("userPrincipalName", u.UserPrincipalName, upn)
	if mail != u.Mail {
		set("mail", u.Mail, mail)
		// The old address keeps delivering, as a secondary address.
		proxies := e.GetAttributeValues("proxyAddresses")
		if len(proxies) > 0 && !containsFold(proxies, "smtp:"+u.Mail) {
			req.Add("proxyAddresses", []string{"smtp:" + u.Mail})
			changes = append(changes, audit.Change{Attribute: "proxyAddresses", After: "smtp:" + u.Mail})
		}
	}
	if len(changes) == 0 {
		note := "already named so; nothing to change"
		err := c.change(ctx, "user.rename", target(u), nil, func(context.Context) error { return audit.Skipped(note) })
		return directory.Outcome{User: u}, ignoreSkipped(err)
	}
	err = c.change(ctx, "user.rename", target(u), changes, func(ctx context.Context) error {
		if rdnChange {
			rdn, _ := ldapdn.Split(newDN)
			if err := c.conn.ModifyDN(ldap.NewModifyDNRequest(u.DN, rdn, true, "")); err != nil {
				err = explainLDAPError(err)
				// Gone from where we read it: another run may be making this same rename.
				now, done := c.renamedMeanwhile(ctx, u, err, newDN, o.GivenName, o.Surname, display, sam, upn)
				switch {
				case done:
					return audit.Skipped("already renamed so (another run renamed it at the same time)")
				case now == nil:
					return err
				}
				// Its CN is the new one already; the other names are still to be set.
			}
		}
		if len(req.Changes) == 0 {
			return nil
		}
		req.DN = newDN
		if err := c.conn.Modify(req); err != nil {
			if rdnChange {
				return fmt.Errorf("the account was renamed to %s, but its other names were not changed (run the same rename again): %w", newDN, explainLDAPError(err))
			}
			return explainLDAPError(err)
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		return directory.Outcome{User: u, Note: "already renamed so (another run just did it)"}, nil
	}
	if err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("rename %s: %w", u.Name(), err)
	}
	note := strings.Join(words, "; ")
	if clash {
		note += fmt.Sprintf(" (CN=%s is taken in %s)", directory.UserCN(display), ou)
	}
	renamed := *u
	renamed.DN, renamed.SAMAccountName = newDN, sam
	if c.DryRun() {
		renamed = *u
	}
	return c.dryRunAware(directory.Outcome{User: &renamed, Changed: true, Note: note}, "would rename: "+note), nil
}

// freeAddress picks base@domain, or base2@domain ... base99@domain, the first that no other
// account uses (onboarding numbers a taken address the same way).
func (c *Client) freeAddress(ctx context.Context, base, domain string, self *directory.User) (string, error) {
	candidates := []string{base + "@" + domain}
	for n := 2; n < 100; n++ {
		candidates = append(candidates, fmt.Sprintf("%s%d@%s", base, n, domain))
	}
	taken, err := c.namesInUseByOthers(ctx, candidates, self)
	if err != nil {
		return "", err
	}
	for _, a := range candidates {
		if !taken[strings.ToLower(a)] {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: no free mail address: %s and its numbered forms up to 99 are taken", directory.ErrInvalidInput, candidates[0])
}

// namesInUseByOthers is NamesInUse, minus the account's own names.
func (c *Client) namesInUseByOthers(ctx context.Context, names []string, self *directory.User) (map[string]bool, error) {
	taken, err := c.NamesInUse(ctx, names)
	if err != nil {
		return nil, err
	}
	for _, own := range []string{self.SAMAccountName, self.UserPrincipalName, self.Mail} {
		delete(taken, strings.ToLower(own))
	}
	return taken, nil
}

// renamedMeanwhile is asked when the rename's ModifyDN failed with err: if the account (found
// again by its objectGUID) has moved to newDN since we read it, another run is making the
// same rename. It returns the account as it is now (nil when that is not the case) and
// whether every name is already the one asked for.
func (c *Client) renamedMeanwhile(ctx context.Context, u *directory.User, err error, newDN, given, sn, display, sam, upn string) (*directory.User, bool) {
	if !errors.Is(err, errNoSuchObject) || u.ObjectGUID == "" {
		return nil, false
	}
	now, rerr := c.User(ctx, u.ObjectGUID)
	if rerr != nil || !dnEqual(now.DN, newDN) {
		return nil, false
	}
	return now, now.GivenName == given && now.Surname == sn && now.DisplayName == display &&
		strings.EqualFold(now.SAMAccountName, sam) && strings.EqualFold(now.UserPrincipalName, upn)
}
