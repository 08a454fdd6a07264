//go:build windows

package ownerfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// Mine reports whether the file at path belongs to the user running adkit: its owner is
// the current user's SID. (Mode bits mean nothing on Windows; Restrict sets the DACL.) A
// file adkit left behind passes; one another user made does not, so adkit may remove it.
func Mine(path string, info os.FileInfo) (bool, error) {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return false, fmt.Errorf("read the owner of %s: %w", path, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return false, fmt.Errorf("read the owner of %s: %w", path, err)
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return false, fmt.Errorf("read the current user's SID: %w", err)
	}
	return owner.Equals(user.User.Sid), nil
}
