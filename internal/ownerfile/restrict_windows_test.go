//go:build windows

package ownerfile

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// These tests run cross-compiled under Wine in CI (test/windows) and on any real Windows.
// They make their own temporary directory rather than use t.TempDir: Wine 8 lacks the
// NtSetInformationFile class Go's os.RemoveAll uses, so TempDir's cleanup fails there.

// checkOwnerOnly fails unless acl holds exactly one entry: allow full control to the
// current user.
func checkOwnerOnly(t *testing.T, acl *windows.ACL) {
	t.Helper()
	if acl == nil {
		t.Fatal("no DACL (a NULL DACL lets everyone in)")
	}
	if acl.AceCount != 1 {
		t.Fatalf("DACL has %d entries, want 1 (the owner's)", acl.AceCount)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(acl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || !sid.Equals(user.User.Sid) {
		t.Errorf("the only entry is type %d for %s, want an allow entry for the current user %s", ace.Header.AceType, sid, user.User.Sid)
	}
	if ace.Mask&fileAllAccess != fileAllAccess {
		t.Errorf("the owner's entry grants %#x, want full control %#x", ace.Mask, fileAllAccess)
	}
}

// The ACL Restrict sets names the current user alone.
func TestOwnerOnlyACL(t *testing.T) {
	acl, err := ownerOnlyACL()
	if err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly(t, acl)
}

func tempFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.CreateTemp("", "ownerfile-*.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
	return f
}

// Restrict succeeds on a file adkit has just opened for writing, and the file stays
// writable through that handle.
func TestRestrictSucceedsOnAnOpenFile(t *testing.T) {
	f := tempFile(t)
	if err := Restrict(f); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("still writable through the open handle")); err != nil {
		t.Errorf("write after Restrict: %v", err)
	}
}

// What Windows stores after Restrict: a protected DACL with the owner's entry only. Wine
// does not keep file DACLs (it derives one from the Unix mode bits when asked), so this
// check needs a real Windows; it is the one ACL check CI does not run.
func TestRestrictStoresAProtectedOwnerOnlyDACL(t *testing.T) {
	if underWine() {
		t.Skip("Wine derives file DACLs from Unix mode bits instead of storing them: run on real Windows")
	}
	f := tempFile(t)
	if err := Restrict(f); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.GetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if control&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("DACL is not protected: the folder's entries would still be inherited (control %#x)", control)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly(t, dacl)
}

// underWine reports whether ntdll is Wine's, which exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
