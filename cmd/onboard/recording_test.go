package onboard

import (
	"context"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/onboarding"
)

type plainProvisioner struct{ onboarding.Provisioner }

type bulkProvisioner struct{ onboarding.Provisioner }

func (bulkProvisioner) AddMembers(context.Context, string, []*directory.User, bool) []directory.MemberAdd {
	return nil
}

type prefetchingProvisioner struct{ bulkProvisioner }

func (prefetchingProvisioner) PrefetchMembers(context.Context, map[string][]string) error { return nil }

// TestRecordingKeepsBulkMembers: wrapping the directory to write credentials lines must not
// hide its bulk membership adds (Apply would fall back to one request per membership), nor
// invent them for a directory that has none.
func TestRecordingKeepsBulkMembers(t *testing.T) {
	if _, ok := recording(bulkProvisioner{}, &credentialsFile{}, nil).(onboarding.BulkMembers); !ok {
		t.Error("the recording provisioner hides the directory's AddMembers")
	}
	if _, ok := recording(bulkProvisioner{}, &credentialsFile{}, nil).(onboarding.MemberPrefetcher); ok {
		t.Error("the recording provisioner claims a prefetch the directory does not have")
	}
	if _, ok := recording(prefetchingProvisioner{}, &credentialsFile{}, nil).(onboarding.MemberPrefetcher); !ok {
		t.Error("the recording provisioner hides the directory's PrefetchMembers")
	}
	if _, ok := recording(plainProvisioner{}, &credentialsFile{}, nil).(onboarding.BulkMembers); ok {
		t.Error("the recording provisioner claims bulk adds for a directory without them")
	}
}
