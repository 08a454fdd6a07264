package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// nameClaims tracks which logon names and addresses are taken: by the directory (asked in
// batches) or by an earlier row of this file. A row may reuse its own names (its mail may
// equal its UPN), no one else's. Names are keyed in lower case.
type nameClaims struct {
	asked map[string]bool
	inUse map[string]bool
	owner map[string]int // name → entry index that chose it, in the current pass
	// missing are the names the current pass needed and the directory was not asked about.
	missing []string
}

func (c *nameClaims) free(name string, i int) bool {
	name = strings.ToLower(name)
	if c.inUse[name] {
		return false
	}
	o, taken := c.owner[name]
	return !taken || o == i
}

func (c *nameClaims) taken(name string) bool { return c.inUse[strings.ToLower(name)] }

func (c *nameClaims) claim(name string, i int) { c.owner[strings.ToLower(name)] = i }

// known reports whether the directory has been asked about every one of the names.
func (c *nameClaims) known(names ...string) bool {
	for _, n := range names {
		if !c.asked[strings.ToLower(n)] {
			return false
		}
	}
	return true
}

// need notes names a pass could not decide without.
func (c *nameClaims) need(names ...string) { c.missing = append(c.missing, names...) }

// ask sends the names not yet asked about in one NamesInUse call.
func (c *nameClaims) ask(ctx context.Context, dir Directory, names []string) error {
	var fresh []string
	for _, n := range names {
		if !c.asked[strings.ToLower(n)] {
			fresh = append(fresh, n)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	fresh = uniqueFold(fresh)
	used, err := dir.NamesInUse(ctx, fresh)
	if err != nil {
		return fmt.Errorf("check which usernames and addresses are taken: %w", err)
	}
	for _, n := range fresh {
		c.asked[strings.ToLower(n)] = true
	}
	for n, u := range lowerKeys(used) {
		if u {
			c.inUse[n] = true
		}
	}
	return nil
}

// nameJob is one row's search for a username and a mail address.
type nameJob struct {
	entry     int
	userBases []string
	mailBases []string
	needUser  bool
	needMail  bool
	wantMail  bool // the template makes mail addresses
	// undecided: the pass met a name the directory was not asked about; the row waits for
	// the next pass.
	undecided bool
}

// chooseNames gives each row to create a sAMAccountName (with its UPN) and a mail address
// that neither the directory nor an earlier row uses. Rows choose in file order, round after
// round — in round 0 the template's patterns and then the first one numbered 2-9, then 10-99
// for the rows still without a name, then 100-999 — so two John Smiths get jsmith and then
// the next name in the template's order: the same answer on every run.
//
// What the directory holds is asked in batches, only as far as the choice needs it: a pass
// makes the choices with what is known, noting every name it needed and had not asked about;
// those are asked in one call and the pass is made again, until a pass needs nothing new.
// The first pass asks each row's first name only, which settles almost every file: a row
// whose first name is taken then asks the rest of its round's names at once. (Asking every
// candidate up front, ten usernames and nine addresses a row, was most of the plan's time:
// 146 searches for 1,000 rows, docs/benchmarks.md.) The last pass decides with the
// directory's answer for every name it looks at, as a pass over every name would.
func (p *planner) chooseNames(ctx context.Context) error {
	jobs := p.nameJobs()
	claims := &nameClaims{asked: map[string]bool{}, inUse: map[string]bool{}}
	var first []string // each row's first username (and its UPN) and first address
	for _, j := range jobs {
		first = append(first, j.userBases[0], p.upn(j.userBases[0]))
		if j.wantMail {
			first = append(first, p.address(j.mailBases[0]))
		}
	}
	if err := claims.ask(ctx, p.dir, first); err != nil {
		return err
	}
	return p.pickNames(ctx, jobs, claims)
}

// nameJobs are the rows to create that need names; rows whose names cannot be made are
// invalidated.
func (p *planner) nameJobs() []*nameJob {
	var jobs []*nameJob
	for _, i := range p.creating() {
		r := &p.rows[i]
		parts := partsOf(r)
		job := &nameJob{entry: i, userBases: p.users.bases(parts)}
		if len(job.userBases) == 0 {
			p.invalidate(i, fmt.Sprintf("cannot make a username from %q: username.patterns need letters that can be written in ASCII; "+
				"create this account by hand with adkit user create --sam", r.GivenName+" "+r.Surname))
			continue
		}
		if p.mails != nil {
			job.wantMail = true
			if job.mailBases = p.mails.bases(parts); len(job.mailBases) == 0 {
				p.invalidate(i, fmt.Sprintf("cannot make a mail address from %q with mail_pattern %q", r.GivenName+" "+r.Surname, p.tpl.MailPattern))
				continue
			}
		}
		jobs = append(jobs, job)
	}
	return jobs
}

// pickNames makes passes until one needs no name the directory was not asked about, and
// invalidates the rows left without a free name.
func (p *planner) pickNames(ctx context.Context, jobs []*nameJob, claims *nameClaims) error {
	for {
		p.namePass(jobs, claims)
		if len(claims.missing) == 0 {
			break
		}
		before := len(claims.asked)
		if err := claims.ask(ctx, p.dir, claims.missing); err != nil {
			return err
		}
		if len(claims.asked) == before { // cannot happen: every missing name is asked
			return fmt.Errorf("choose usernames: no progress asking about %d names", len(claims.missing))
		}
	}
	for _, j := range jobs {
		switch {
		case j.needUser:
			last := numberedName(j.userBases[0], numberRounds[len(numberRounds)-1][1], p.users.max)
			p.invalidate(j.entry, fmt.Sprintf("no free username: %s and %s up to %s are all taken; add a pattern to username.patterns",
				strings.Join(j.userBases, ", "), numberedName(j.userBases[0], 2, p.users.max), last))
		case j.needMail:
			p.invalidate(j.entry, fmt.Sprintf("no free mail address: %s and its numbered forms are all taken", p.address(j.mailBases[0])))
		}
	}
	return nil
}

// namePass makes every row's choice from scratch with what the directory has said so far,
// and leaves in claims.missing the names it needed and had not asked about.
func (p *planner) namePass(jobs []*nameJob, claims *nameClaims) {
	claims.owner, claims.missing = map[string]int{}, nil
	for _, j := range jobs {
		e := &p.entries[j.entry]
		e.SAMAccountName, e.UserPrincipalName, e.Mail = "", "", ""
		j.needUser, j.needMail, j.undecided = true, j.wantMail, false
		delete(p.collided, j.entry)
	}
	for round := range numberRounds {
		for _, j := range jobs {
			if !j.undecided {
				p.settle(j, claims, round)
			}
		}
	}
}

// settle picks the first free candidate of this round for what the row still needs. A
// candidate the directory was not asked about leaves the row undecided in this pass, and
// notes what to ask: the first name of the first round alone, otherwise every name of the
// round from there on. The username and the address are looked at both, so that what each
// needs is asked in the same call.
func (p *planner) settle(j *nameJob, claims *nameClaims, round int) {
	e := &p.entries[j.entry]
	if j.needUser {
		cands := p.users.candidates(j.userBases, round)
		for k, c := range cands {
			upn := p.upn(c)
			if !claims.known(c, upn) {
				p.unknown(j, claims, round, k, cands, func(c string) []string { return []string{c, p.upn(c)} })
				break // the address's needs are gathered too, for one call
			}
			if claims.free(c, j.entry) && claims.free(upn, j.entry) {
				e.SAMAccountName, e.UserPrincipalName = c, upn
				claims.claim(c, j.entry)
				claims.claim(upn, j.entry)
				j.needUser = false
				break
			}
			if claims.taken(c) || claims.taken(upn) {
				p.collided[j.entry] = true
			}
		}
	}
	if j.needMail {
		cands := p.mails.candidates(j.mailBases, round)
		for k, c := range cands {
			addr := p.address(c)
			if !claims.known(addr) {
				p.unknown(j, claims, round, k, cands, func(c string) []string { return []string{p.address(c)} })
				break
			}
			if claims.free(addr, j.entry) {
				e.Mail = addr
				claims.claim(addr, j.entry)
				j.needMail = false
				break
			} else if claims.taken(addr) {
				p.collided[j.entry] = true
			}
		}
	}
}

// unknown leaves row j undecided in this pass: candidate k of the round's cands was never
// asked about. names gives the directory names of a candidate.
func (p *planner) unknown(j *nameJob, claims *nameClaims, round, k int, cands []string, names func(string) []string) {
	j.undecided = true
	last := len(cands)
	if round == 0 && k == 0 {
		last = 1 // almost always free: ask the rest only if it is not
	}
	for _, c := range cands[k:last] {
		claims.need(names(c)...)
	}
}

func (p *planner) upn(sam string) string {
	return sam + "@" + strings.ToLower(p.tpl.UPNSuffix)
}

func (p *planner) address(local string) string {
	return local + "@" + strings.ToLower(p.tpl.MailDomain)
}
