// Package prompt asks a person at a terminal for a password or a confirmation, with survey.
// It is only used when stdin and stderr are terminals, so no command ever hangs on a pipe.
package prompt

import (
	"errors"
	"fmt"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/adkit-dev/adkit/internal/secret"
)

// Prompter is what commands need from a person.
type Prompter interface {
	Password(message string) (secret.Secret, error)
	Confirm(message string, def bool) (bool, error)
}

// ErrInterrupted is returned when the person pressed Ctrl-C at a prompt.
var ErrInterrupted = errors.New("interrupted")

// Survey prompts on the process's terminal. Prompts go to stderr so that stdout stays clean
// for output that scripts read.
type Survey struct{}

func (Survey) opts() survey.AskOpt {
	return survey.WithStdio(os.Stdin, os.Stderr, os.Stderr)
}

// Password asks for a secret without echoing it.
func (s Survey) Password(message string) (secret.Secret, error) {
	var answer string
	err := survey.AskOne(&survey.Password{Message: message}, &answer, s.opts())
	if errors.Is(err, terminal.InterruptErr) {
		return secret.Secret{}, ErrInterrupted
	}
	if err != nil {
		return secret.Secret{}, fmt.Errorf("prompt: %w", err)
	}
	return secret.New(answer), nil
}

// Confirm asks a yes/no question.
func (s Survey) Confirm(message string, def bool) (bool, error) {
	answer := def
	err := survey.AskOne(&survey.Confirm{Message: message, Default: def}, &answer, s.opts())
	if errors.Is(err, terminal.InterruptErr) {
		return false, ErrInterrupted
	}
	if err != nil {
		return false, fmt.Errorf("prompt: %w", err)
	}
	return answer, nil
}
