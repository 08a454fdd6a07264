package directory

// NameKind is what a shell completion asks for: the names one kind of argument accepts.
type NameKind string

const (
	NameUser     NameKind = "user"     // a logon name (sAMAccountName)
	NameGroup    NameKind = "group"    // a group's name
	NameComputer NameKind = "computer" // a computer's name
	NameMember   NameKind = "member"   // a user's or a group's name (group add)
	NameOU       NameKind = "ou"       // an OU's distinguished name
)

// NameHint is one completion candidate: a name the command accepts and a few words saying
// which object it is (the shell shows them beside the name).
type NameHint struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}
