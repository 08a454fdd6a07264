package onboarding

// column is one field of Columns, for code that walks them all.
type column struct {
	key      string // the template key under columns:
	label    string // what the field is, for template messages
	header   string // the CSV header the template maps it to
	required bool   // a file without this column cannot be planned
	maxLen   int    // the directory attribute's limit in characters; 0: not a text attribute
}

// fields lists the columns in the spec's order. The limits are AD's rangeUpper for the
// attribute each one fills (givenName, sn, employeeID, department, title,
// physicalDeliveryOfficeName); Entra ID's are the same or larger.
func (c Columns) fields() []column {
	return []column{
		{"given_name", "given (first) name", c.GivenName, true, 64},
		{"surname", "surname (last name)", c.Surname, true, 64},
		{"preferred_name", "preferred name", c.PreferredName, false, 64},
		{"employee_id", "employee ID", c.EmployeeID, true, 16},
		{"department", "department", c.Department, false, 64},
		{"title", "job title", c.Title, false, 128},
		{"manager", "manager's email address", c.Manager, false, 256},
		{"start_date", "start date", c.StartDate, false, 0},
		{"end_date", "end date (the account expires after it)", c.EndDate, false, 0},
		{"location", "office", c.Location, false, 128},
	}
}
