package completion

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

func TestArgKindsReadTheUsageLine(t *testing.T) {
	for _, tc := range []struct {
		use  string
		want []directory.NameKind
	}{
		{"show USER...", []directory.NameKind{directory.NameUser}},
		{"lockout-status USER", []directory.NameKind{directory.NameUser, noMoreArgs}},
		{"reset USER (--method ID | --type TYPE | --all)", []directory.NameKind{directory.NameUser, noMoreArgs}},
		{"rename USER --given-name G --surname S", []directory.NameKind{directory.NameUser, noMoreArgs}},
		{"set USER... [--title T]", []directory.NameKind{directory.NameUser}},
		{"add GROUP MEMBER...", []directory.NameKind{directory.NameGroup, directory.NameMember}},
		{"sync GROUP FILE", []directory.NameKind{directory.NameGroup, "", noMoreArgs}},
		{"assign USER SKU", []directory.NameKind{directory.NameUser, "", noMoreArgs}},
		{"move PC... --ou DN", []directory.NameKind{directory.NameComputer}},
		{"create NAME [--ou DN]", nil},
		{"search [flags]", nil},
		{"apply (CSV | --user USER...)", nil},
		{"user <command>", nil},
		{"version", nil},
	} {
		if got := argKinds(tc.use); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("argKinds(%q) = %q, want %q", tc.use, got, tc.want)
		}
	}
}

func TestCacheAnswersAgainUntilItExpires(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	env := func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return dir
		}
		return ""
	}
	c := openCache(env, "profile\x00ldaps://dc1", 5*time.Minute, func() time.Time { return now })
	jd := []directory.NameHint{{Name: "jdoe", Description: "John Doe"}, {Name: "jdean", Description: "Jo Dean"}}
	c.store(directory.NameUser, "jd", jd, false)
	c.store(directory.NameGroup, "t", []directory.NameHint{{Name: "Tier1"}}, true)

	info, err := os.Stat(c.path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file %s: mode %v, err %v; want 0600", c.path, info.Mode().Perm(), err)
	}
	if got, ok := c.lookup(directory.NameUser, "JD"); !ok || !reflect.DeepEqual(got, jd) {
		t.Errorf("same prefix: %v %v, want %v", got, ok, jd)
	}
	if got, ok := c.lookup(directory.NameUser, "jdo"); !ok || !reflect.DeepEqual(got, jd[:1]) {
		t.Errorf("longer prefix of a complete answer: %v %v, want jdoe only", got, ok)
	}
	if _, ok := c.lookup(directory.NameGroup, "ti"); ok {
		t.Error("a longer prefix was answered from a truncated answer, which may miss names")
	}
	if _, ok := c.lookup(directory.NameGroup, "jd"); ok {
		t.Error("a group lookup was answered from users")
	}
	other := openCache(env, "profile\x00ldaps://dc2", 5*time.Minute, func() time.Time { return now })
	if _, ok := other.lookup(directory.NameUser, "jd"); ok {
		t.Error("another server's names were offered")
	}
	now = now.Add(5 * time.Minute)
	if _, ok := c.lookup(directory.NameUser, "jd"); ok {
		t.Error("an answer older than the TTL was used")
	}
	off := openCache(env, "profile\x00ldaps://dc1", 0, func() time.Time { return now })
	if off.store(directory.NameUser, "x", jd, false); off.path != "" {
		t.Error("a TTL of 0 still caches")
	}
}
