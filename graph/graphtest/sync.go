package graphtest

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Connector simulates Entra Connect (cloud sync) for hybrid tests: the users of an
// on-premises directory appear in the tenant some time after they were created there. A
// user becomes visible once the tenant's users have been listed AfterPolls more times since
// the connector first saw it in Source, and Delay has passed since then. Each GET /users
// (on the wire or inside a $batch) is one poll, and runs one sync cycle first.
type Connector struct {
	// Source lists the on-premises users in the connector's scope. Users already in the
	// tenant, by employee ID or UPN, are left alone (a synced user is never duplicated).
	Source     func(ctx context.Context) ([]*User, error)
	AfterPolls int
	Delay      time.Duration

	mu        sync.Mutex
	polls     int
	firstSeen map[string]seen // lower-case UPN → when first seen
	synced    int
}

type seen struct {
	poll int
	at   time.Time
}

// SetConnector starts simulating synchronisation from c.Source; nil stops it.
func (s *Server) SetConnector(c *Connector) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if c != nil && c.firstSeen == nil {
		c.firstSeen = map[string]seen{}
	}
	s.connector = c
}

// Synced is how many users the connector has added to the tenant.
func (c *Connector) Synced() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synced
}

// Polls is how many sync cycles have run (GET /users requests).
func (c *Connector) Polls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.polls
}

// syncTick runs one sync cycle, if a connector is set.
func (s *Server) syncTick() {
	s.syncMu.Lock()
	c := s.connector
	s.syncMu.Unlock()
	if c == nil || c.Source == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src, err := c.Source(ctx)
	if err != nil {
		return // like a connector that missed a cycle
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.polls++
	now := s.now()
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, u := range src {
		key := strings.ToLower(u.UserPrincipalName)
		if key == "" || t.userLocked(u.UserPrincipalName) != nil || (u.EmployeeID != "" && t.byEmployeeIDLocked(u.EmployeeID) != nil) {
			continue
		}
		first, ok := c.firstSeen[key]
		if !ok {
			first = seen{poll: c.polls, at: now}
			c.firstSeen[key] = first
		}
		if c.polls-first.poll < c.AfterPolls || now.Sub(first.at) < c.Delay {
			continue
		}
		x := *u
		x.ID = ""
		x.OnPremisesSyncEnabled = true
		t.addUserLocked(&x)
		c.synced++
	}
}

func (t *Tenant) byEmployeeIDLocked(id string) *User {
	for _, u := range t.users {
		if u.EmployeeID != "" && strings.EqualFold(u.EmployeeID, id) {
			return u
		}
	}
	return nil
}

func syncedJSON(b bool) any {
	if !b {
		return nil
	}
	return true
}
