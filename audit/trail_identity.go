package audit

// WithBindIdentity returns a trail that writes to the same sink with the same ticket,
// reason and dry-run setting, but names id as the actor's bind identity: who the directory
// knows the change was made by, once that is known (an interactive sign-in learns it only
// after the trail was built).
func (t *Trail) WithBindIdentity(id string) *Trail {
	c := *t
	c.actor.BindIdentity = id
	return &c
}
