package onboarding

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteResultsCSV writes one line per result, for --results-out and -o csv: row, employee_id,
// sam_account_name, dn, status, groups (joined with ";"), error, note. It holds no passwords.
func WriteResultsCSV(w io.Writer, results []Result) error {
	lines := [][]string{{"row", "employee_id", "sam_account_name", "dn", "status", "groups", "error", "note"}}
	for _, r := range results {
		lines = append(lines, []string{
			strconv.Itoa(r.Row), r.EmployeeID, r.SAMAccountName, r.DN, r.Status, strings.Join(r.Groups, ";"), r.Error, r.Note,
		})
	}
	if err := csv.NewWriter(w).WriteAll(lines); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// WriteCredentialsCSV writes the initial passwords of the accounts this run created — and
// only those: an account that already existed keeps the password its owner knows. It is the
// one place a password is revealed; the caller creates the file with mode 0600.
func WriteCredentialsCSV(w io.Writer, results []Result) error {
	lines := [][]string{{"sam_account_name", "user_principal_name", "display_name", "password", "must_change"}}
	for _, r := range results {
		if r.Password.IsZero() {
			continue
		}
		lines = append(lines, []string{
			r.SAMAccountName, r.UserPrincipalName, r.DisplayName, r.Password.Reveal(), strconv.FormatBool(r.MustChangePassword),
		})
	}
	if err := csv.NewWriter(w).WriteAll(lines); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	return nil
}
