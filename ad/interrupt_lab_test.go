package ad_test

import (
	"context"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/labtest"
)

// Ctrl-C must end the session at once (go-ldap's requests take no context), but a timed-out
// context, such as the one a connection is made under, must leave it alone.
func TestCloseOnInterruptEndsTheSessionOnlyOnCancel(t *testing.T) {
	c, _ := labtest.Connect(t)

	timed, cancelTimed := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelTimed()
	c.CloseOnInterrupt(timed)
	<-timed.Done()
	time.Sleep(50 * time.Millisecond) // let an AfterFunc that should not close, not close
	if _, err := c.User(context.Background(), "jdoe"); err != nil {
		t.Fatalf("after a timeout the session should still work: %v", err)
	}

	interrupt, cancel := context.WithCancel(context.Background())
	c.CloseOnInterrupt(interrupt)
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.User(context.Background(), "jdoe")
		if err != nil {
			break // the session is closed: requests fail at once
		}
		if time.Now().After(deadline) {
			t.Fatal("the session still answers 5 s after the interrupt")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
