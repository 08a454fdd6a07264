package group

import (
	"context"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type fakeMembers struct{}

func (fakeMembers) GroupMembers(_ context.Context, ident string, _ bool) (*directory.Group, []directory.Member, error) {
	return &directory.Group{DN: "CN=" + ident + ",DC=corp", SAMAccountName: ident}, nil, nil
}

// A group without members is an empty JSON array, so that `jq '.[]'` works on it.
func TestMembersOfAnEmptyGroupIsAnEmptyJSONArray(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &membersOptions{IO: ios, Format: output.FormatJSON, Target: "Empty",
		Groups: func(context.Context) (memberLister, error) { return fakeMembers{}, nil }}
	if err := membersRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "[]" {
		t.Errorf("group members -o json of an empty group = %s, want []", got)
	}
}
