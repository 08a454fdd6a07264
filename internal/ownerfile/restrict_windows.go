//go:build windows

package ownerfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// fileAllAccess is FILE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF), spelled
// out because a GENERIC_ALL mask in a stored ACE is not mapped at access-check time.
const fileAllAccess = windows.STANDARD_RIGHTS_REQUIRED | windows.SYNCHRONIZE | 0x1ff

// Restrict replaces f's DACL with a protected one granting full control to the current
// user alone. It goes by the file's name: os.OpenFile's handle has no WRITE_DAC right.
// Call it before a secret goes in.
func Restrict(f *os.File) error {
	acl, err := ownerOnlyACL()
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", f.Name(), err)
	}
	err = windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: set its ACL: %w", f.Name(), err)
	}
	return nil
}

// ownerOnlyACL is an ACL with one entry: full control for the user running adkit.
func ownerOnlyACL() (*windows.ACL, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("read the current user's SID: %w", err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: fileAllAccess,
		AccessMode:        windows.SET_ACCESS,
		Inheritance:       windows.NO_INHERITANCE,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(user.User.Sid),
		},
	}}, nil)
	if err != nil {
		return nil, fmt.Errorf("build the ACL: %w", err)
	}
	return acl, nil
}
