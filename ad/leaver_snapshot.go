package ad

import (
	"context"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
)

// SnapshotLeaver reads an account (any accepted name) into a snapshot. It changes nothing;
// the caller adds the ticket and saves it before offboarding.
func (c *Client) SnapshotLeaver(ctx context.Context, ident string) (*directory.LeaverSnapshot, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err != nil {
		return nil, err
	}
	u := userFromEntry(e)
	_, ou := dn.Split(u.DN)
	return &directory.LeaverSnapshot{
		Version:            directory.LeaverSnapshotVersion,
		TakenAt:            time.Now().UTC(),
		Directory:          directory.KindAD,
		Server:             c.server,
		Domain:             c.DomainDNSName(),
		DN:                 u.DN,
		ObjectGUID:         u.ObjectGUID,
		SAMAccountName:     u.SAMAccountName,
		UserPrincipalName:  u.UserPrincipalName,
		DisplayName:        u.DisplayName,
		EmployeeID:         u.EmployeeID,
		OU:                 ou,
		Groups:             append([]string{}, u.MemberOf...),
		PrimaryGroupID:     u.PrimaryGroupID,
		Manager:            u.Manager,
		Enabled:            u.Enabled,
		UserAccountControl: attrInt(e, "userAccountControl"),
		Description:        u.Description,
	}, nil
}
