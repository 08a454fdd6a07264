package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// nameClaims tracks which logon names and addresses are taken: by the directory (asked in
// batches) or by an earlier row of this file. A row may reuse its own names (its mail may
// equal its UPN), no one else's.
type nameClaims struct {
	asked map[string]bool
	inUse map[string]bool
	owner map[string]int // name → entry index that chose it
}

func (c *nameClaims) free(name string, i int) bool {
	if c.inUse[name] {
		return false
	}
	o, taken := c.owner[name]
	return !taken || o == i
}

// ask sends the names not yet asked about in one NamesInUse call.
func (c *nameClaims) ask(ctx context.Context, dir Directory, names []string) error {
	var fresh []string
	for _, n := range names {
		if !c.asked[n] {
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
		c.asked[n] = true
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
}

// chooseNames gives each row to create a sAMAccountName (with its UPN) and a mail address
// that neither the directory nor an earlier row uses. Candidates depend on what is taken, yet
// the directory must be asked in batches, so it goes in rounds: every row's pattern names
// and numbers 2-9 in one call, then 10-99 for the few rows still without a name, then 100-999.
// Within a round rows choose in file order, so two John Smiths get jsmith and then the next
// name in the template's order — the same answer on every run.
func (p *planner) chooseNames(ctx context.Context) error {
	var jobs []*nameJob
	for _, i := range p.creating() {
		r := &p.rows[i]
		parts := partsOf(r)
		job := &nameJob{entry: i, userBases: p.users.bases(parts), needUser: true}
		if len(job.userBases) == 0 {
			p.invalidate(i, fmt.Sprintf("cannot make a username from %q: username.patterns need letters that can be written in ASCII; "+
				"create this account by hand with adkit user create --sam", r.GivenName+" "+r.Surname))
			continue
		}
		if p.mails != nil {
			job.needMail = true
			if job.mailBases = p.mails.bases(parts); len(job.mailBases) == 0 {
				p.invalidate(i, fmt.Sprintf("cannot make a mail address from %q with mail_pattern %q", r.GivenName+" "+r.Surname, p.tpl.MailPattern))
				continue
			}
		}
		jobs = append(jobs, job)
	}
	claims := &nameClaims{asked: map[string]bool{}, inUse: map[string]bool{}, owner: map[string]int{}}
	for round := range numberRounds {
		var names []string
		for _, j := range jobs {
			if j.needUser {
				for _, c := range p.users.candidates(j.userBases, round) {
					names = append(names, c, p.upn(c))
				}
			}
			if j.needMail {
				for _, c := range p.mails.candidates(j.mailBases, round) {
					names = append(names, p.address(c))
				}
			}
		}
		if len(names) == 0 {
			break
		}
		if err := claims.ask(ctx, p.dir, names); err != nil {
			return err
		}
		for _, j := range jobs {
			p.settle(j, claims, round)
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

// settle picks the first free candidate of this round for what the row still needs.
func (p *planner) settle(j *nameJob, claims *nameClaims, round int) {
	e := &p.entries[j.entry]
	if j.needUser {
		for _, c := range p.users.candidates(j.userBases, round) {
			upn := p.upn(c)
			if claims.free(c, j.entry) && claims.free(upn, j.entry) {
				e.SAMAccountName, e.UserPrincipalName = c, upn
				claims.owner[c], claims.owner[upn] = j.entry, j.entry
				j.needUser = false
				break
			}
			if claims.inUse[c] || claims.inUse[upn] {
				p.collided[j.entry] = true
			}
		}
	}
	if j.needMail {
		for _, c := range p.mails.candidates(j.mailBases, round) {
			if addr := p.address(c); claims.free(addr, j.entry) {
				e.Mail = addr
				claims.owner[addr] = j.entry
				j.needMail = false
				break
			} else if claims.inUse[addr] {
				p.collided[j.entry] = true
			}
		}
	}
}

func (p *planner) upn(sam string) string {
	return sam + "@" + strings.ToLower(p.tpl.UPNSuffix)
}

func (p *planner) address(local string) string {
	return local + "@" + strings.ToLower(p.tpl.MailDomain)
}
