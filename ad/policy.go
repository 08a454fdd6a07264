package ad

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

const pwdPropertiesComplex = 0x1

// DomainPasswordPolicy reads the policy from the domain head.
func (c *Client) DomainPasswordPolicy(ctx context.Context) (directory.PasswordPolicy, error) {
	domain := c.info.DefaultNamingContext
	e, err := c.readEntry(ctx, domain, "(objectClass=*)", []string{
		"minPwdLength", "pwdProperties", "pwdHistoryLength", "maxPwdAge", "minPwdAge", "lockoutThreshold", "lockoutDuration",
	})
	if err != nil {
		return directory.PasswordPolicy{}, fmt.Errorf("read password policy: %w", err)
	}
	if e == nil {
		return directory.PasswordPolicy{}, fmt.Errorf("read password policy: domain object %s not found", domain)
	}
	return directory.PasswordPolicy{
		MinLength:        attrInt(e, "minPwdLength"),
		Complexity:       attrInt(e, "pwdProperties")&pwdPropertiesComplex != 0,
		HistoryLength:    attrInt(e, "pwdHistoryLength"),
		MaxAge:           adInterval(e.GetAttributeValue("maxPwdAge")),
		MinAge:           adInterval(e.GetAttributeValue("minPwdAge")),
		LockoutThreshold: attrInt(e, "lockoutThreshold"),
		LockoutDuration:  adInterval(e.GetAttributeValue("lockoutDuration")),
		Source:           domain,
	}, nil
}

// PasswordPolicyFor returns the policy in force for one account: its resultant PSO if it has
// one and the bind account may read it, else the domain's.
func (c *Client) PasswordPolicyFor(ctx context.Context, userDN string) (directory.PasswordPolicy, error) {
	domain, err := c.DomainPasswordPolicy(ctx)
	if err != nil {
		return domain, err
	}
	e, err := c.readEntry(ctx, userDN, "(objectClass=*)", []string{"msDS-ResultantPSO"})
	if err != nil || e == nil {
		return domain, nil //nolint:nilerr // a help-desk account may not read the PSO; the domain policy is the floor
	}
	pso := e.GetAttributeValue("msDS-ResultantPSO")
	if pso == "" {
		return domain, nil
	}
	pe, err := c.readEntry(ctx, pso, "(objectClass=*)", []string{
		"msDS-MinimumPasswordLength", "msDS-PasswordComplexityEnabled", "msDS-PasswordHistoryLength",
		"msDS-MaximumPasswordAge", "msDS-MinimumPasswordAge", "msDS-LockoutThreshold", "msDS-LockoutDuration",
	})
	if err != nil || pe == nil {
		return domain, nil //nolint:nilerr // as above
	}
	return directory.PasswordPolicy{
		MinLength:        attrInt(pe, "msDS-MinimumPasswordLength"),
		Complexity:       pe.GetAttributeValue("msDS-PasswordComplexityEnabled") == "TRUE",
		HistoryLength:    attrInt(pe, "msDS-PasswordHistoryLength"),
		MaxAge:           adInterval(pe.GetAttributeValue("msDS-MaximumPasswordAge")),
		MinAge:           adInterval(pe.GetAttributeValue("msDS-MinimumPasswordAge")),
		LockoutThreshold: attrInt(pe, "msDS-LockoutThreshold"),
		LockoutDuration:  adInterval(pe.GetAttributeValue("msDS-LockoutDuration")),
		Source:           pso,
	}, nil
}

// adInterval converts AD's negative 100 ns intervals ("-18144000000000") to a duration; the
// "never" value and zero are 0.
func adInterval(s string) time.Duration {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 || n == -1<<63 {
		return 0
	}
	if n < 0 {
		n = -n
	}
	return time.Duration(n) * 100
}

// ExplainLockout fills in, for a locked account, when its lockout ends and whether it ends by
// itself: lockoutTime plus the lockout duration of the policy that applies to it (its PSO, or
// the domain's). A duration of 0 means the account stays locked until someone unlocks it.
// An account that is not locked is left as it is.
func (c *Client) ExplainLockout(ctx context.Context, u *directory.User) error {
	if !u.Locked || u.LockoutTime == nil {
		return nil
	}
	policy, err := c.PasswordPolicyFor(ctx, u.DN)
	if err != nil {
		return fmt.Errorf("read the lockout policy of %s: %w", u.Name(), err)
	}
	u.LockoutPolicy = policy.Source
	byItself := policy.LockoutDuration > 0
	u.UnlocksByItself = &byItself
	if byItself {
		end := u.LockoutTime.Add(policy.LockoutDuration)
		u.LockoutEnds = &end
	}
	return nil
}
