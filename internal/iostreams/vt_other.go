//go:build !windows

package iostreams

import "os"

// enableVT: Unix terminals take escape sequences as they are.
func enableVT(*os.File) bool { return true }
