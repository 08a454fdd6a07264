package directory

// DomainController is one DC of the domain as the configuration partition describes it, and
// what its own rootDSE said when asked.
type DomainController struct {
	Host string `json:"host"` // the server object's dNSHostName
	Site string `json:"site"` // the AD site the server object sits in
	// PDC is true for the holder of the PDC emulator role (fSMORoleOwner on the domain head).
	PDC bool `json:"pdc"`
	// Answers says whether the DC's rootDSE could be read just now; Error says why not.
	Answers bool   `json:"answers"`
	Error   string `json:"error,omitempty"`
	// HighestCommittedUSN is the DC's own change counter. USNs are local to each DC: they say
	// that a DC is moving, not how far behind another it is (compare one DC over time).
	HighestCommittedUSN int64 `json:"highest_committed_usn,omitempty"`
	// ServerDN is the server object under CN=Sites in the configuration partition.
	ServerDN string `json:"server_dn"`
	// Connected is true for the DC this command is talking to.
	Connected bool `json:"connected"`
}
