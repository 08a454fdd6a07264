package check

import "github.com/adkit-dev/adkit/audit/inventory"

// userAccountControl bits (MS-ADTS 2.2.16), by the names the checks use.
const (
	uacAccountDisable          = inventory.UACAccountDisable
	uacPasswordNotRequired     = inventory.UACPasswordNotRequired
	uacEncryptedTextPwdAllowed = inventory.UACEncryptedTextPwdAllowed
	uacInterdomainTrustAccount = inventory.UACInterdomainTrustAccount
	uacServerTrustAccount      = inventory.UACServerTrustAccount
	uacDontExpirePassword      = inventory.UACDontExpirePassword
	uacSmartcardRequired       = inventory.UACSmartcardRequired
	uacTrustedForDelegation    = inventory.UACTrustedForDelegation
	uacNotDelegated            = inventory.UACNotDelegated
	uacUseDESKeyOnly           = inventory.UACUseDESKeyOnly
	uacDontRequirePreauth      = inventory.UACDontRequirePreauth
	uacTrustedToAuthForDeleg   = inventory.UACTrustedToAuthForDeleg
	uacPartialSecretsAccount   = inventory.UACPartialSecretsAccount
)

// uacFlag names a userAccountControl bit for snapshots and diffs.
type uacFlag struct {
	bit  uint32
	name string
}

// snapshotFlags are the bits a snapshot records, by the name diffs show.
func snapshotFlags() []uacFlag {
	return []uacFlag{
		{uacAccountDisable, "disabled"},
		{uacPasswordNotRequired, "password_not_required"},
		{uacEncryptedTextPwdAllowed, "reversible_encryption"},
		{uacDontExpirePassword, "password_never_expires"},
		{uacSmartcardRequired, "smartcard_required"},
		{uacTrustedForDelegation, "unconstrained_delegation"},
		{uacNotDelegated, "not_delegated"},
		{uacUseDESKeyOnly, "des_only"},
		{uacDontRequirePreauth, "no_kerberos_preauth"},
		{uacTrustedToAuthForDeleg, "protocol_transition"},
	}
}
