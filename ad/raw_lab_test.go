package ad_test

import (
	"context"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestSearchReadsSecurityDescriptorAsHelpdesk checks the primitive the permission audit needs:
// a non-admin account reads owner, group and DACL of the domain head and a privileged group.
func TestSearchReadsSecurityDescriptorAsHelpdesk(t *testing.T) {
	cfg := labtest.HelpdeskConfig(t)
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	sid, ok := ad.EscapeSID("S-1-5-32-544")
	if !ok {
		t.Fatal("EscapeSID failed")
	}
	var got []*ad.Entry
	err := c.Search(context.Background(), "(objectSid="+sid+")", []string{"sAMAccountName", "objectSid"}, ad.SearchOptions{SecurityDescriptor: true},
		func(e *ad.Entry) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Value("sAMAccountName") != "Administrators" {
		t.Fatalf("Administrators by well-known SID: %d entries", len(got))
	}
	sd := got[0].Raw("nTSecurityDescriptor")
	// A self-relative security descriptor: revision 1, and owner and DACL offsets set.
	if len(sd) < 20 || sd[0] != 1 {
		t.Fatalf("nTSecurityDescriptor not readable as a non-admin: %d bytes", len(sd))
	}
	if got[0].SID() != "S-1-5-32-544" {
		t.Errorf("SID() = %s", got[0].SID())
	}
}
