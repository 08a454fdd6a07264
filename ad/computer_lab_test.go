package ad_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// The computers, LAPS values and BitLocker keys below are seeded by
// scripts/lab/seed-computers.sh; the values must match it. They are lab fixtures, not
// secrets, but a failing test still never prints them.
const (
	seededWindowsLAPS = "Lq7-Wx2m-Rp9t-Kz4v"
	seededLegacyLAPS  = "Lg5-Tm7q-Vc2x-Nw8r"
	seededNewestKey   = "123453-234564-345675-456786-567897-679008-090112-101123"
	seededNewestKeyID = "C7D94A20-5E13-4B6F-A2D8-903E71F4B6C5"
	seededOlderKeyID  = "4B1F0C2E-7D35-4A8E-9C61-2F0A5B7E3D11"
	seededServerKeyID = "E2A85B39-0C47-4D1E-B9F3-6A28C5D0E7F4"
)

func workstationsOU(c *ad.Client) string { return "OU=Workstations," + c.BaseDN() }
func serversOU(c *ad.Client) string      { return "OU=Servers," + c.BaseDN() }

// sameSecret compares without ever formatting either value.
func sameSecret(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: the value read (%d characters) is not the seeded one (%d characters)", what, len(got), len(want))
	}
}

// newLabComputer creates a computer in ou, named uniquely, deleted (with what is below it)
// when the test ends.
func newLabComputer(t *testing.T, admin *ad.Client, ou string, attrs map[string][]string) *directory.Computer {
	t.Helper()
	ctx := context.Background()
	name := strings.ToUpper(labtest.UniqueName("i13c"))
	dn := "CN=" + name + "," + ou
	if attrs == nil {
		attrs = map[string][]string{}
	}
	attrs["dNSHostName"] = []string{strings.ToLower(name) + "." + labDomain}
	if err := admin.CreateComputerForTest(ctx, dn, name, attrs); err != nil {
		t.Fatalf("create test computer %s: %v", name, err)
	}
	t.Cleanup(func() {
		pc, err := admin.Computer(ctx, name)
		if errors.Is(err, directory.ErrNotFound) {
			return
		}
		if err == nil {
			err = admin.TreeDeleteForTest(ctx, pc.DN)
		}
		if err != nil {
			t.Errorf("cleanup: delete test computer %s: %v", name, err)
		}
	})
	pc, err := admin.Computer(ctx, name)
	if err != nil {
		t.Fatalf("read back test computer %s: %v", name, err)
	}
	return pc
}

func fileTimeOf(t time.Time) string {
	return strconv.FormatInt(t.UnixNano()/100+116444736000000000, 10)
}

func TestComputerLookupLab(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	want := "CN=WS-LAPS01," + workstationsOU(c)
	for _, ident := range []string{"WS-LAPS01", "ws-laps01", "WS-LAPS01$", "ws-laps01.lab.adkit.test", `ADKITLAB\WS-LAPS01$`, want} {
		pc, err := c.Computer(ctx, ident)
		if err != nil {
			t.Fatalf("Computer(%q): %v", ident, err)
		}
		if !strings.EqualFold(pc.DN, want) {
			t.Errorf("Computer(%q) = %s, want %s", ident, pc.DN, want)
		}
	}
	pc, _ := c.Computer(ctx, "WS-LAPS01")
	if pc.OperatingSystem != "Windows 11 Enterprise" || !pc.Enabled || pc.LAPS != "windows" || pc.LAPSExpires == nil || pc.LastLogon == nil {
		t.Errorf("WS-LAPS01 = %+v: want Windows 11, enabled, Windows LAPS with an expiry, a last logon", pc)
	}
	if lg, err := c.Computer(ctx, "WS-LEGACY01"); err != nil || lg.LAPS != "legacy" || lg.LAPSExpires == nil {
		t.Errorf("WS-LEGACY01: LAPS %q expires %v (err %v), want legacy with an expiry", lg.LAPS, lg.LAPSExpires, err)
	}
	// A user is not a computer, and "*" is a name, not a wildcard.
	for _, ident := range []string{"jdoe", "*", "WS-*"} {
		if _, err := c.Computer(ctx, ident); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("Computer(%q): err = %v, want not found", ident, err)
		}
	}
}

func TestComputerSearchLab(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	now := time.Now()
	names := func(q directory.ComputerQuery) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		if err := c.SearchComputers(ctx, q, now, func(pc *directory.Computer) error { got[pc.Name] = true; return nil }); err != nil {
			t.Fatalf("SearchComputers(%+v): %v", q, err)
		}
		return got
	}
	stale := names(directory.ComputerQuery{StaleDays: 150})
	if !stale["WS-STALE01"] || !stale["WS-OFF01"] || stale["WS-LAPS01"] || stale["SRV-APP01"] {
		t.Errorf("--stale 150 = %v: want WS-STALE01 and WS-OFF01, not WS-LAPS01 or SRV-APP01", stale)
	}
	disabled := names(directory.ComputerQuery{Disabled: true})
	if !disabled["WS-OFF01"] || disabled["WS-STALE01"] {
		t.Errorf("--disabled = %v: want WS-OFF01 and not WS-STALE01", disabled)
	}
	servers := names(directory.ComputerQuery{OSGlob: "Windows Server*", OU: serversOU(c)})
	if len(servers) != 1 || !servers["SRV-APP01"] {
		t.Errorf("--os 'Windows Server*' --ou Servers = %v, want SRV-APP01 only", servers)
	}
	byName := names(directory.ComputerQuery{NameGlob: "ws-l*", OU: workstationsOU(c)})
	if !byName["WS-LAPS01"] || !byName["WS-LEGACY01"] || byName["WS-ENC01"] {
		t.Errorf("--name 'ws-l*' = %v, want WS-LAPS01 and WS-LEGACY01 only", byName)
	}
	if got := names(directory.ComputerQuery{NameGlob: "WS-LAPS01)(cn=*"}); len(got) != 0 {
		t.Errorf("a name holding filter syntax matched %v; it must be taken literally", got)
	}
	err := c.SearchComputers(ctx, directory.ComputerQuery{OU: "OU=Nowhere," + c.BaseDN()}, now, func(*directory.Computer) error { return nil })
	mustNotFound(t, err, "search in a missing OU")
}

func TestLAPSReadLab(t *testing.T) {
	c, log := labtest.Connect(t)
	ctx := context.Background()

	w, err := c.ReadLAPSPassword(ctx, "WS-LAPS01")
	if err != nil {
		t.Fatalf("read Windows LAPS: %v", err)
	}
	sameSecret(t, "WS-LAPS01 msLAPS-Password", w.Password.Reveal(), seededWindowsLAPS)
	if w.Source != "windows" || w.Account != "Administrator" || w.Expires == nil || w.Updated == nil {
		t.Errorf("WS-LAPS01: source %q account %q expires %v updated %v", w.Source, w.Account, w.Expires, w.Updated)
	}
	if w.Updated != nil && (time.Since(*w.Updated) < 2*24*time.Hour || time.Since(*w.Updated) > 30*24*time.Hour) {
		// The seed writes "t" three days before it runs: the hex FILETIME must decode to that.
		t.Errorf("WS-LAPS01 password updated %v: the hex time was not decoded", w.Updated)
	}

	l, err := c.ReadLAPSPassword(ctx, "ws-legacy01$")
	if err != nil {
		t.Fatalf("read legacy LAPS: %v", err)
	}
	sameSecret(t, "WS-LEGACY01 ms-Mcs-AdmPwd", l.Password.Reveal(), seededLegacyLAPS)
	if l.Source != "legacy" || l.Expires == nil {
		t.Errorf("WS-LEGACY01: source %q expires %v", l.Source, l.Expires)
	}

	e, err := c.ReadLAPSPassword(ctx, "WS-ENC01")
	if err != nil {
		t.Fatalf("read encrypted LAPS: %v", err)
	}
	if !e.Encrypted || !e.Password.IsZero() || e.Source != "windows-encrypted" {
		t.Errorf("WS-ENC01: encrypted %v, source %q, password empty %v: want encrypted and nothing shown", e.Encrypted, e.Source, e.Password.IsZero())
	}
	if h := directory.EncryptedHint(e.Computer); !strings.Contains(h, "Get-LapsADPassword -Identity WS-ENC01 -AsPlainText") {
		t.Errorf("encrypted hint = %q", h)
	}

	_, err = c.ReadLAPSPassword(ctx, "WS-NOLAPS01")
	var none *directory.NoSecretError
	if !errors.As(err, &none) || !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("WS-NOLAPS01: err = %v, want NoSecretError (not found)", err)
	}

	recs := auditRecords(t, log, "computer.laps_read")
	if got := pairs(t, recs); strings.Join(got, ",") != "ok,ok,skipped,skipped" {
		t.Errorf("laps_read outcomes = %v, want ok,ok,skipped,skipped", got)
	}
	for _, r := range recs {
		if r.Ticket == "" || r.Target.DN == "" || len(r.Changes) != 0 {
			t.Errorf("laps_read record: ticket %q target %+v changes %d", r.Ticket, r.Target, len(r.Changes))
		}
	}
	assertNoSecrets(t, log, seededWindowsLAPS, seededLegacyLAPS)
}

func TestLAPSDryRunReadsNothingLab(t *testing.T) {
	trail, log := labtest.Trail(t, true)
	c := labtest.ConnectWith(t, labtest.Config(t), trail)
	res, err := c.ReadLAPSPassword(context.Background(), "WS-LAPS01")
	if err != nil {
		t.Fatalf("dry-run read: %v", err)
	}
	if !res.DryRun || !res.Password.IsZero() {
		t.Errorf("dry run: DryRun %v, password empty %v; want nothing read", res.DryRun, res.Password.IsZero())
	}
	recs := auditRecords(t, log, "computer.laps_read")
	if got := pairs(t, recs); len(got) != 1 || got[0] != "skipped" || !recs[0].DryRun {
		t.Errorf("dry-run records: %v", got)
	}
}

// The Helpdesk group may read LAPS passwords in OU=Workstations only (seed-computers.sh).
func TestLAPSDelegatedHelpdeskLab(t *testing.T) {
	trail, log := labtest.Trail(t, false)
	hd := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), trail)
	ctx := context.Background()

	w, err := hd.ReadLAPSPassword(ctx, "WS-LAPS01")
	if err != nil {
		t.Fatalf("helpdesk1 reading a workstation's LAPS password: %v", err)
	}
	sameSecret(t, "helpdesk1 reading WS-LAPS01", w.Password.Reveal(), seededWindowsLAPS)

	_, err = hd.ReadLAPSPassword(ctx, "SRV-APP01")
	if !errors.Is(err, ad.ErrPermission) {
		t.Fatalf("helpdesk1 reading a server's LAPS password: err = %v, want not permitted", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "not permitted") || !strings.Contains(msg, "SRV-APP01") || !strings.Contains(msg, "helpdesk1") {
		t.Errorf("refusal message %q should say not permitted, name the computer and the account", msg)
	}
	// BitLocker recovery information is not delegated at all.
	if _, err := hd.ReadBitLockerKeys(ctx, "WS-LAPS01"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("helpdesk1 reading BitLocker keys: err = %v, want nothing visible", err)
	}
	if got := pairs(t, auditRecords(t, log, "computer.laps_read")); strings.Join(got, ",") != "ok,error" {
		t.Errorf("laps_read outcomes = %v, want ok,error", got)
	}
	assertNoSecrets(t, log, seededWindowsLAPS)
}

func TestBitLockerLab(t *testing.T) {
	c, log := labtest.Connect(t)
	ctx := context.Background()

	res, err := c.ReadBitLockerKeys(ctx, "WS-LAPS01")
	if err != nil {
		t.Fatalf("read BitLocker keys: %v", err)
	}
	if len(res.Keys) != 2 {
		t.Fatalf("WS-LAPS01 has %d keys, want 2", len(res.Keys))
	}
	if res.Keys[0].KeyID != seededNewestKeyID || res.Keys[1].KeyID != seededOlderKeyID {
		t.Errorf("keys in order %s, %s: want the newest (%s) first", res.Keys[0].KeyID, res.Keys[1].KeyID, seededNewestKeyID)
	}
	sameSecret(t, "newest recovery password", res.Keys[0].RecoveryPassword.Reveal(), seededNewestKey)
	if res.Keys[0].Created == nil || res.Keys[0].Created.Format(time.RFC3339) != "2026-02-14T07:30:00Z" {
		t.Errorf("newest key backed up %v, want 2026-02-14T07:30:00Z (from its name)", res.Keys[0].Created)
	}

	for _, prefix := range []string{"c7d94a20", "{C7D94A20-5E13", " C7D9 4A20 "} {
		found, err := c.FindBitLockerKeys(ctx, prefix)
		if err != nil {
			t.Fatalf("find %q: %v", prefix, err)
		}
		if len(found.Keys) != 1 || found.Keys[0].KeyID != seededNewestKeyID || found.Keys[0].Computer.Name != "WS-LAPS01" {
			t.Fatalf("find %q: %d keys", prefix, len(found.Keys))
		}
		sameSecret(t, "found recovery password", found.Keys[0].RecoveryPassword.Reveal(), seededNewestKey)
	}
	srv, err := c.FindBitLockerKeys(ctx, "E2A85B39")
	if err != nil || len(srv.Keys) != 1 || srv.Keys[0].Computer.Name != "SRV-APP01" || srv.Keys[0].KeyID != seededServerKeyID {
		t.Errorf("find E2A85B39: %d keys, err %v; want SRV-APP01's", len(srv.Keys), err)
	}
	if _, err := c.FindBitLockerKeys(ctx, "00000000"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("find an unknown ID: err = %v, want not found", err)
	}
	for _, bad := range []string{"zz", "4B1F", "*", "4B1F0C2E)(cn=*"} {
		if _, err := c.FindBitLockerKeys(ctx, bad); !errors.Is(err, directory.ErrInvalidInput) {
			t.Errorf("find %q: err = %v, want invalid input", bad, err)
		}
	}
	if _, err := c.ReadBitLockerKeys(ctx, "WS-NOLAPS01"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a computer without keys: err = %v, want not found", err)
	}

	recs := auditRecords(t, log, "bitlocker.read")
	results := pairs(t, recs)
	if strings.Join(results, ",") != "ok,ok,ok,ok,ok,skipped" {
		t.Errorf("bitlocker.read outcomes = %v", results)
	}
	assertNoSecrets(t, log, seededNewestKey)
}

func TestComputerChangesLab(t *testing.T) {
	c, log := labtest.Connect(t)
	ctx := context.Background()
	expires := time.Now().Add(20 * 24 * time.Hour)
	pc := newLabComputer(t, c, workstationsOU(c), map[string][]string{
		"operatingSystem":               {"Windows 11 Pro"},
		"msLAPS-Password":               {`{"n":"Administrator","t":"1d8161b41c41cde","p":"i13c-Test-Pa55"}`},
		"msLAPS-PasswordExpirationTime": {fileTimeOf(expires)},
	})

	o, err := c.SetComputerEnabled(ctx, pc.Name, false)
	if err != nil || !o.Changed {
		t.Fatalf("disable: %+v, %v", o, err)
	}
	if got, _ := c.Computer(ctx, pc.Name); got.Enabled {
		t.Error("the computer is still enabled after disable")
	}
	if o, err := c.SetComputerEnabled(ctx, pc.Name, false); err != nil || o.Changed {
		t.Errorf("disabling again: %+v, %v; want nothing to do", o, err)
	}
	if o, err := c.SetComputerEnabled(ctx, pc.Name, true); err != nil || !o.Changed {
		t.Fatalf("enable: %+v, %v", o, err)
	}

	if o, err := c.MoveComputer(ctx, pc.Name, serversOU(c)); err != nil || !o.Changed {
		t.Fatalf("move: %+v, %v", o, err)
	}
	moved, _ := c.Computer(ctx, pc.Name)
	if !strings.EqualFold(dn.Parent(moved.DN), serversOU(c)) {
		t.Errorf("after the move the computer is at %s", moved.DN)
	}
	if _, err := c.MoveComputer(ctx, pc.Name, "CN=jdoe-not-an-ou,"+c.BaseDN()); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("move to a missing OU: %v", err)
	}

	before, _ := c.ReadAttributeForTest(ctx, moved.DN, "pwdLastSet")
	if o, err := c.ResetComputerPassword(ctx, pc.Name); err != nil || !o.Changed || !strings.Contains(o.Note, "Test-ComputerSecureChannel") {
		t.Fatalf("reset: %+v, %v", o, err)
	}
	if after, _ := c.ReadAttributeForTest(ctx, moved.DN, "pwdLastSet"); after == before {
		t.Error("pwdLastSet did not change: the account password was not reset")
	}

	if _, err := c.ExpireLAPSPassword(ctx, pc.Name, time.Now()); err != nil {
		t.Fatalf("expire LAPS: %v", err)
	}
	if got, _ := c.Computer(ctx, pc.Name); got.LAPSExpires == nil || got.LAPSExpires.After(time.Now().Add(time.Minute)) {
		t.Errorf("LAPS expiry after --expire-now = %v, want now", got.LAPSExpires)
	}
	if _, err := c.ExpireLAPSPassword(ctx, "WS-NOLAPS01", time.Now()); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("expiring where LAPS is not in use: %v", err)
	}

	for _, action := range []string{"computer.disable", "computer.enable", "computer.move", "computer.reset_password", "computer.laps_expire"} {
		if len(auditRecords(t, log, action)) == 0 {
			t.Errorf("no %s records", action)
		}
	}
	assertNoSecrets(t, log, "i13c-Test-Pa55")
}

func TestComputerDeleteLab(t *testing.T) {
	c, log := labtest.Connect(t)
	ctx := context.Background()
	pc := newLabComputer(t, c, workstationsOU(c), nil)
	key := "CN=2026-01-02T03:04:05-00:00{11111111-2222-3333-4444-555555555555}," + pc.DN
	if err := c.AddForTest(ctx, key, map[string][]string{
		"objectClass":            {"top", "msFVE-RecoveryInformation"},
		"msFVE-RecoveryGuid":     {strings.Repeat("\x11", 16)},
		"msFVE-VolumeGuid":       {strings.Repeat("\x22", 16)},
		"msFVE-RecoveryPassword": {"000000-000011-000022-000033-000044-000055-000066-000077"},
	}); err != nil {
		t.Fatalf("add a recovery key below the test computer: %v", err)
	}

	var saved *directory.ComputerSnapshot
	save := func(s *directory.ComputerSnapshot) error { saved = s; return nil }
	_, _, err := c.DeleteComputer(ctx, pc.Name, directory.DeleteComputerOptions{Save: save, Now: time.Now()})
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("delete of a computer holding a recovery key without --force: %v", err)
	}
	if saved != nil {
		t.Error("a refused delete saved a snapshot")
	}
	if _, err := c.Computer(ctx, pc.Name); err != nil {
		t.Fatalf("the refused delete removed the computer: %v", err)
	}

	// A snapshot that cannot be saved stops the delete.
	_, _, err = c.DeleteComputer(ctx, pc.Name, directory.DeleteComputerOptions{Force: true, Now: time.Now(),
		Save: func(*directory.ComputerSnapshot) error { return errors.New("disk full") }})
	if err == nil || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Fatalf("delete with an unsaved snapshot: %v", err)
	}
	if _, err := c.Computer(ctx, pc.Name); err != nil {
		t.Fatalf("the computer was deleted although its snapshot was not saved: %v", err)
	}

	o, snap, err := c.DeleteComputer(ctx, pc.Name, directory.DeleteComputerOptions{Force: true, Save: save, Now: time.Now()})
	if err != nil || !o.Changed {
		t.Fatalf("delete --force: %+v, %v", o, err)
	}
	if saved == nil || saved != snap || saved.DN != pc.DN || saved.SAMAccountName != pc.SAMAccountName || len(saved.Children) != 1 || saved.ObjectSID == "" {
		t.Errorf("snapshot = %+v", saved)
	}
	if _, err := c.Computer(ctx, pc.Name); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("after delete: %v, want not found", err)
	}
	if got := pairs(t, auditRecords(t, log, "computer.delete")); len(got) != 1 || got[0] != "ok" {
		t.Errorf("computer.delete outcomes = %v, want one ok (the refused ones change nothing)", got)
	}
}

// The Helpdesk group may also force a rotation in OU=Workstations (write of the expiration
// time), and nowhere else.
func TestLAPSExpireDelegatedHelpdeskLab(t *testing.T) {
	admin, _ := labtest.Connect(t)
	trail, log := labtest.Trail(t, false)
	hd := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), trail)
	ctx := context.Background()
	expiry := map[string][]string{"msLAPS-PasswordExpirationTime": {fileTimeOf(time.Now().Add(20 * 24 * time.Hour))}}
	ws := newLabComputer(t, admin, workstationsOU(admin), expiry)
	srv := newLabComputer(t, admin, serversOU(admin), map[string][]string{"msLAPS-PasswordExpirationTime": expiry["msLAPS-PasswordExpirationTime"]})

	if _, err := hd.ExpireLAPSPassword(ctx, ws.Name, time.Now()); err != nil {
		t.Fatalf("helpdesk1 expiring a workstation's LAPS password: %v", err)
	}
	if got, _ := admin.Computer(ctx, ws.Name); got.LAPSExpires == nil || got.LAPSExpires.After(time.Now().Add(time.Minute)) {
		t.Errorf("workstation LAPS expiry = %v, want now", got.LAPSExpires)
	}
	_, err := hd.ExpireLAPSPassword(ctx, srv.Name, time.Now())
	if !errors.Is(err, ad.ErrPermission) || !strings.Contains(err.Error(), "not permitted") {
		t.Fatalf("helpdesk1 expiring a server's LAPS password: %v, want not permitted", err)
	}
	if got, _ := admin.Computer(ctx, srv.Name); got.LAPSExpires == nil || got.LAPSExpires.Before(time.Now().Add(24*time.Hour)) {
		t.Errorf("the refused expire changed the server's expiry to %v", got.LAPSExpires)
	}
	if got := pairs(t, auditRecords(t, log, "computer.laps_expire")); strings.Join(got, ",") != "ok,error" {
		t.Errorf("laps_expire outcomes = %v, want ok,error", got)
	}
}

// A computer disable the directory made but whose answer was lost is read back: the log says
// ok, not error, as for users.
func TestComputerDisableWithoutAnAnswerIsReadBackLab(t *testing.T) {
	c, log := labtest.Connect(t)
	ctx := context.Background()
	pc := newLabComputer(t, c, workstationsOU(c), nil)
	if err := c.DisableComputerLosingTheAnswer(ctx, pc); err != nil {
		t.Fatalf("a disable that was made, read back: error %v, want none", err)
	}
	in := lastIntent(t, log, "computer.disable")
	outs := outcomesOf(t, log, in.OpID)
	if len(outs) != 1 || outs[0].Result != audit.ResultOK || outs[0].Settled != audit.SettledReadBack {
		t.Errorf("outcome = %+v; want ok, read_back", outs)
	}
	if got, _ := c.Computer(ctx, pc.Name); got.Enabled {
		t.Error("the computer is still enabled")
	}
}
