package ad

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// TestNetworkErrorsAreUnreachable: go-ldap's three shapes of "the DC is gone" are marked
// unreachable, so bulk commands stop starting work; only the request timeout is a timeout,
// and it is not called a lost connection.
func TestNetworkErrorsAreUnreachable(t *testing.T) {
	for name, tc := range map[string]struct {
		err     error
		timeout bool
		says    string
	}{
		"request timed out":   {ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection timed out")), true, "did not answer in time (--timeout)"},
		"connection closed":   {ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed")), false, "connection to the domain controller was lost"},
		"response lost":       {ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: response channel closed")), false, "connection to the domain controller was lost"},
		"read failed (EOF)":   {errors.New("unable to read LDAP response packet: EOF"), false, "connection to the domain controller was lost"},
		"read failed (reset)": {errors.New("unable to read LDAP response packet: read tcp 127.0.0.1:1->127.0.0.1:636: read: connection reset by peer"), false, "connection to the domain controller was lost"},
	} {
		err := explainLDAPError(tc.err)
		if !errors.Is(err, directory.ErrUnreachable) || errors.Is(err, directory.ErrTimeout) != tc.timeout || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v (unreachable %v, timeout %v); want unreachable, timeout %v, saying %q",
				name, err, errors.Is(err, directory.ErrUnreachable), errors.Is(err, directory.ErrTimeout), tc.timeout, tc.says)
		}
	}
	// What the directory refuses is not the network.
	refused := explainLDAPError(ldap.NewError(ldap.LDAPResultEntryAlreadyExists, errors.New("00002071: exists")))
	if errors.Is(refused, directory.ErrUnreachable) {
		t.Errorf("%v counts as unreachable", refused)
	}
}
