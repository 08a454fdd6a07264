package check

import "github.com/adkit-dev/adkit/audit/inventory"

// The checks read the audit vocabulary of package inventory; these names keep the package's
// own API (check.Inventory, check.Account, ...) for its callers and tests.
type (
	Inventory          = inventory.Inventory
	Account            = inventory.Account
	Group              = inventory.Group
	ForeignPrincipal   = inventory.ForeignPrincipal
	ObjectClass        = inventory.ObjectClass
	SecuredObject      = inventory.SecuredObject
	Principal          = inventory.Principal
	SecurityDescriptor = inventory.SecurityDescriptor
	ACE                = inventory.ACE
	LoadOptions        = inventory.LoadOptions

	EntraInventory   = inventory.EntraInventory
	EntraUser        = inventory.EntraUser
	EntraRole        = inventory.EntraRole
	EntraPrincipal   = inventory.EntraPrincipal
	EntraAssignment  = inventory.EntraAssignment
	EntraLoadOptions = inventory.EntraLoadOptions
)

// The classes of secured objects.
const (
	ClassDomain    = inventory.ClassDomain
	ClassContainer = inventory.ClassContainer
	ClassGroup     = inventory.ClassGroup
	ClassUser      = inventory.ClassUser
	ClassComputer  = inventory.ClassComputer
)

// The kinds of EntraPrincipal, and the Directory of Entra ID reports.
const (
	PrincipalUser             = inventory.PrincipalUser
	PrincipalGroup            = inventory.PrincipalGroup
	PrincipalServicePrincipal = inventory.PrincipalServicePrincipal
	EntraDirectory            = inventory.EntraDirectory
)

// ACE types and flags (MS-DTYP 2.4.4.1).
const (
	aceTypeAccessAllowed       = inventory.ACETypeAccessAllowed
	aceTypeAccessDenied        = inventory.ACETypeAccessDenied
	aceTypeAccessAllowedObject = inventory.ACETypeAccessAllowedObject
	aceTypeAccessDeniedObject  = inventory.ACETypeAccessDeniedObject
	aceFlagObjectInherit       = inventory.ACEFlagObjectInherit
	aceFlagContainerInherit    = inventory.ACEFlagContainerInherit
	aceFlagInheritOnly         = inventory.ACEFlagInheritOnly
	aceFlagInherited           = inventory.ACEFlagInherited
)
