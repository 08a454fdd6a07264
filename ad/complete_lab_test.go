package ad_test

import (
	"context"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// Completion asks the DC for at most the cap, and says when there were more: the lab holds
// 1,600 bulkNNNN users, and a <TAB> on "bulk" gets 50 of them and more=true, never all.
func TestCompleteNamesIsCappedBySizeLimit(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	hints, more, err := c.CompleteNames(context.Background(), directory.NameUser, "bulk", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(hints) != 50 || !more {
		t.Errorf("got %d names, more=%v; want 50 and more=true", len(hints), more)
	}
	hints, more, err = c.CompleteNames(context.Background(), directory.NameUser, "bulk0001", 50)
	if err != nil || more || len(hints) != 1 || hints[0].Name != "bulk0001" || hints[0].Description != "Bulk User 0001" {
		t.Errorf("bulk0001: %+v more=%v err=%v; want just bulk0001 \"Bulk User 0001\"", hints, more, err)
	}
	// Filter characters are the name's own: a "*" inside the prefix widens nothing.
	hints, _, err = c.CompleteNames(context.Background(), directory.NameUser, "bulk000*", 50)
	if err != nil || len(hints) != 0 {
		t.Errorf("bulk000*: %+v, err %v; want nothing (no logon name holds a '*')", hints, err)
	}
}
