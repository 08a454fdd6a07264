package check

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacAccountDisable          = 0x00000002
	uacPasswordNotRequired     = 0x00000020
	uacEncryptedTextPwdAllowed = 0x00000080
	uacInterdomainTrustAccount = 0x00000800
	uacServerTrustAccount      = 0x00002000
	uacDontExpirePassword      = 0x00010000
	uacSmartcardRequired       = 0x00040000
	uacTrustedForDelegation    = 0x00080000
	uacNotDelegated            = 0x00100000
	uacUseDESKeyOnly           = 0x00200000
	uacDontRequirePreauth      = 0x00400000
	uacTrustedToAuthForDeleg   = 0x01000000
	uacPartialSecretsAccount   = 0x04000000
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
