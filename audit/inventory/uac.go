package inventory

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	UACAccountDisable          = 0x00000002
	UACPasswordNotRequired     = 0x00000020
	UACEncryptedTextPwdAllowed = 0x00000080
	UACInterdomainTrustAccount = 0x00000800
	UACServerTrustAccount      = 0x00002000
	UACDontExpirePassword      = 0x00010000
	UACSmartcardRequired       = 0x00040000
	UACTrustedForDelegation    = 0x00080000
	UACNotDelegated            = 0x00100000
	UACUseDESKeyOnly           = 0x00200000
	UACDontRequirePreauth      = 0x00400000
	UACTrustedToAuthForDeleg   = 0x01000000
	UACPartialSecretsAccount   = 0x04000000
)
