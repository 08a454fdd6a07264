// Command adkit is the help-desk and identity admin's toolkit for Active Directory and Entra ID.
package main

import (
	"os"

	"github.com/adkit-dev/adkit/cmd/cli"
)

func main() { os.Exit(cli.Main()) }
