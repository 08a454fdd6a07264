package ad

import (
	"context"
	"sort"
	"strconv"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// userAttributes is what is read for every user: enough for `user show` and for deciding
// what a change does (before values for the audit record).
var userAttributes = []string{
	"distinguishedName", "sAMAccountName", "userPrincipalName", "displayName", "givenName", "sn", "mail",
	"userAccountControl", "msDS-User-Account-Control-Computed", "lockoutTime", "badPwdCount", "badPasswordTime", "pwdLastSet",
	"lastLogon", "lastLogonTimestamp", "whenCreated", "accountExpires", "employeeID", "department", "title",
	"manager", "description", "memberOf", "primaryGroupID", "objectGUID", "objectSid",
}

// userAttributeList returns a fresh copy, because go-ldap keeps the slice in the request.
func userAttributeList() []string { return append([]string(nil), userAttributes...) }

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacAccountDisable         = 0x0002
	uacPasswordNotRequired    = 0x0020
	uacNormalAccount          = 0x0200
	uacDontExpirePassword     = 0x10000
	ufLockout                 = 0x0010   // msDS-User-Account-Control-Computed
	ufPasswordExpiredComputed = 0x800000 // msDS-User-Account-Control-Computed
)

// User reads one user by any of the names the spec accepts.
func (c *Client) User(ctx context.Context, ident string) (*directory.User, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err != nil {
		return nil, err
	}
	return userFromEntry(e), nil
}

func userFromEntry(e *ldap.Entry) *directory.User {
	uac := attrInt(e, "userAccountControl")
	computed := attrInt(e, "msDS-User-Account-Control-Computed")
	lockout := fileTime(e.GetAttributeValue("lockoutTime"))
	pwdLastSet := e.GetAttributeValue("pwdLastSet")
	u := &directory.User{
		DN:                   e.DN,
		SAMAccountName:       e.GetAttributeValue("sAMAccountName"),
		UserPrincipalName:    e.GetAttributeValue("userPrincipalName"),
		DisplayName:          e.GetAttributeValue("displayName"),
		GivenName:            e.GetAttributeValue("givenName"),
		Surname:              e.GetAttributeValue("sn"),
		Mail:                 e.GetAttributeValue("mail"),
		Enabled:              uac&uacAccountDisable == 0,
		LockoutTime:          lockout,
		BadPwdCount:          attrInt(e, "badPwdCount"),
		LastBadPasswordTime:  fileTime(e.GetAttributeValue("badPasswordTime")),
		PwdLastSet:           fileTime(pwdLastSet),
		PasswordNeverExpires: uac&uacDontExpirePassword != 0,
		PasswordExpired:      computed&ufPasswordExpiredComputed != 0,
		MustChangePassword:   pwdLastSet == "0",
		LastLogon:            latest(fileTime(e.GetAttributeValue("lastLogon")), fileTime(e.GetAttributeValue("lastLogonTimestamp"))),
		WhenCreated:          generalizedTime(e.GetAttributeValue("whenCreated")),
		AccountExpires:       fileTime(e.GetAttributeValue("accountExpires")),
		EmployeeID:           e.GetAttributeValue("employeeID"),
		Department:           e.GetAttributeValue("department"),
		Title:                e.GetAttributeValue("title"),
		Manager:              e.GetAttributeValue("manager"),
		Description:          e.GetAttributeValue("description"),
		MemberOf:             sortedValues(e, "memberOf"),
		PrimaryGroupID:       attrInt(e, "primaryGroupID"),
		ObjectGUID:           guidString(e.GetRawAttributeValue("objectGUID")),
		ObjectSID:            sidString(e.GetRawAttributeValue("objectSid")),
	}
	// The computed attribute knows about the lockout duration; lockoutTime alone stays set
	// until the next logon after the lockout has expired.
	if e.GetAttributeValue("msDS-User-Account-Control-Computed") != "" {
		u.Locked = computed&ufLockout != 0
	} else {
		u.Locked = lockout != nil
	}
	return u
}

func attrInt(e *ldap.Entry, name string) int {
	v, err := strconv.ParseInt(e.GetAttributeValue(name), 10, 64)
	if err != nil {
		return 0
	}
	return int(v)
}

func sortedValues(e *ldap.Entry, name string) []string {
	v := append([]string{}, e.GetAttributeValues(name)...)
	sort.Strings(v)
	return v
}
