package ad

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/secret"
)

// BitLocker stores each recovery password in an msFVE-RecoveryInformation object below the
// computer, named "<time it was backed up>{<recovery key ID>}"; the recovery screen shows
// the first 8 characters of that ID. msFVE-RecoveryPassword is confidential: by default only
// Domain Admins (and whoever they delegate to) see it.
const bitLockerClass = "(objectClass=msFVE-RecoveryInformation)"

// bitLockerAttributes are the non-secret attributes of a recovery object, fresh each time.
func bitLockerAttributes() []string {
	return []string{"cn", "msFVE-RecoveryGuid", "msFVE-VolumeGuid", "whenCreated"}
}

func bitLockerKeyFrom(e *ldap.Entry, pc *directory.Computer) directory.BitLockerKey {
	k := directory.BitLockerKey{Computer: pc, DN: e.DN}
	cn := e.GetAttributeValue("cn")
	when, id, _ := strings.Cut(cn, "{")
	k.KeyID = strings.ToUpper(guidString(e.GetRawAttributeValue("msFVE-RecoveryGuid")))
	if k.KeyID == "" {
		k.KeyID = strings.ToUpper(strings.TrimSuffix(id, "}"))
	}
	k.VolumeID = strings.ToUpper(guidString(e.GetRawAttributeValue("msFVE-VolumeGuid")))
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		t = t.UTC()
		k.Created = &t
	} else {
		k.Created = generalizedTime(e.GetAttributeValue("whenCreated"))
	}
	if pw := e.GetAttributeValue("msFVE-RecoveryPassword"); pw != "" {
		k.RecoveryPassword = secret.New(pw)
	}
	return k
}

// newestFirst orders keys by when they were backed up, newest first: the last one is the
// one a computer most likely asks for.
func newestFirst(keys []directory.BitLockerKey) {
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i].Created, keys[j].Created
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		}
		return a.After(*b)
	})
}

// ReadBitLockerKeys reads the BitLocker recovery passwords stored below a computer, newest
// first. The read is audited (bitlocker.read); the passwords never reach the record.
func (c *Client) ReadBitLockerKeys(ctx context.Context, ident string) (directory.BitLockerKeys, error) {
	pc, err := c.Computer(ctx, ident)
	if err != nil {
		return directory.BitLockerKeys{}, err
	}
	var res directory.BitLockerKeys
	var missing error
	err = c.change(ctx, "bitlocker.read", computerTarget(pc), nil, func(context.Context) error {
		req := ldap.NewSearchRequest(pc.DN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false, bitLockerClass,
			append(bitLockerAttributes(), "msFVE-RecoveryPassword"), nil)
		c.cfg.debugf("list BitLocker recovery information below %q", pc.DN)
		sr, err := c.conn.Search(req)
		if err != nil {
			return explainLDAPError(err)
		}
		readable := 0
		for _, e := range sr.Entries {
			k := bitLockerKeyFrom(e, pc)
			if !k.RecoveryPassword.IsZero() {
				readable++
			}
			res.Keys = append(res.Keys, k)
		}
		switch {
		case len(res.Keys) == 0:
			missing = &directory.NoSecretError{What: "BitLocker recovery information", Computer: pc.Label(),
				Hint: fmt.Sprintf("none was backed up to Active Directory, or %s may not see it (by default only Domain Admins can)", c.identity)}
			return audit.Skipped("no BitLocker recovery information visible")
		case readable == 0:
			return fmt.Errorf("%w: %d recovery object(s) visible, no recovery password readable", ErrPermission, len(res.Keys))
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		err = nil
	}
	if err != nil {
		return res, fmt.Errorf("read the BitLocker recovery keys of %s: %w", pc.Label(), err)
	}
	if missing != nil {
		return res, missing
	}
	newestFirst(res.Keys)
	res.DryRun = c.DryRun()
	return res, nil
}

// maxKeyMatches bounds `bitlocker find`: an 8-character ID prefix matches one key in all
// but the largest domains; more than this means the prefix is too short to be useful.
const maxKeyMatches = 20

// NormalizeKeyID turns what a person reads off the recovery screen ("4b1f0c2e",
// "{4B1F0C2E-7D35", "4B1F 0C2E") into an ID prefix, or says why it is not one.
func NormalizeKeyID(s string) (string, error) {
	p := strings.ToUpper(strings.Trim(strings.TrimSpace(s), "{}"))
	p = strings.ReplaceAll(p, " ", "")
	hexDigits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'F':
			hexDigits++
		case r == '-':
		default:
			return "", fmt.Errorf("%w: %q is not a BitLocker key ID: give the first 8 (or more) hexadecimal characters of the Recovery key ID the recovery screen shows, e.g. 4B1F0C2E",
				directory.ErrInvalidInput, s)
		}
	}
	if hexDigits < 8 {
		return "", fmt.Errorf("%w: %q is too short: give at least the first 8 characters of the Recovery key ID the recovery screen shows", directory.ErrInvalidInput, s)
	}
	return p, nil
}

// FindBitLockerKeys finds recovery passwords by the start of their key ID, anywhere in the
// domain, newest first. Finding them reads no secret; each password read is audited
// (bitlocker.read) on the computer it belongs to.
func (c *Client) FindBitLockerKeys(ctx context.Context, idPrefix string) (directory.BitLockerKeys, error) {
	prefix, err := NormalizeKeyID(idPrefix)
	if err != nil {
		return directory.BitLockerKeys{}, err
	}
	// The ID is in the object's name; a substring match on cn is how ADUC's "Find BitLocker
	// recovery password" finds it.
	filter := "(&" + bitLockerClass + "(cn=*{" + ldap.EscapeFilter(prefix) + "*))"
	found, err := c.searchAll(ctx, c.baseDN, filter, bitLockerAttributes(), maxKeyMatches)
	if err != nil {
		return directory.BitLockerKeys{}, fmt.Errorf("find BitLocker key %s: %w", prefix, err)
	}
	if len(found) == 0 {
		return directory.BitLockerKeys{}, &directory.NotFoundError{Kind: "BitLocker recovery key with ID", Ident: prefix}
	}
	if len(found) > maxKeyMatches {
		return directory.BitLockerKeys{}, fmt.Errorf("%w: more than %d recovery keys have an ID starting with %s; give more of the ID", directory.ErrInvalidInput, maxKeyMatches, prefix)
	}
	var res directory.BitLockerKeys
	for _, e := range found {
		pc, err := c.Computer(ctx, dn.Parent(e.DN))
		if err != nil {
			return res, fmt.Errorf("find the computer of BitLocker key %s: %w", e.DN, err)
		}
		k := bitLockerKeyFrom(e, pc)
		err = c.change(ctx, "bitlocker.read", audit.Target{DN: pc.DN, Name: pc.Label() + " key " + k.KeyID}, nil, func(context.Context) error {
			pe, err := c.readEntry(ctx, e.DN, bitLockerClass, []string{"msFVE-RecoveryPassword"})
			if err != nil {
				return err
			}
			if pe == nil || pe.GetAttributeValue("msFVE-RecoveryPassword") == "" {
				return fmt.Errorf("%w: the recovery password is not readable", ErrPermission)
			}
			k.RecoveryPassword = secret.New(pe.GetAttributeValue("msFVE-RecoveryPassword"))
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("read BitLocker key %s of %s: %w", k.KeyID, pc.Label(), err)
		}
		res.Keys = append(res.Keys, k)
	}
	newestFirst(res.Keys)
	res.DryRun = c.DryRun()
	return res, nil
}
