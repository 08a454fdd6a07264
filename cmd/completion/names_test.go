package completion

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
)

func TestArgKindsReadTheUsageLine(t *testing.T) {
	for _, tc := range []struct {
		use  string
		want []ad.NameKind
	}{
		{"show USER...", []ad.NameKind{ad.NameUser}},
		{"lockout-status USER", []ad.NameKind{ad.NameUser, noMoreArgs}},
		{"reset USER (--method ID | --type TYPE | --all)", []ad.NameKind{ad.NameUser, noMoreArgs}},
		{"rename USER --given-name G --surname S", []ad.NameKind{ad.NameUser, noMoreArgs}},
		{"set USER... [--title T]", []ad.NameKind{ad.NameUser}},
		{"add GROUP MEMBER...", []ad.NameKind{ad.NameGroup, ad.NameMember}},
		{"sync GROUP FILE", []ad.NameKind{ad.NameGroup, "", noMoreArgs}},
		{"assign USER SKU", []ad.NameKind{ad.NameUser, "", noMoreArgs}},
		{"move PC... --ou DN", []ad.NameKind{ad.NameComputer}},
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
	jd := []ad.NameHint{{Name: "jdoe", Description: "John Doe"}, {Name: "jdean", Description: "Jo Dean"}}
	c.store(ad.NameUser, "jd", jd, false)
	c.store(ad.NameGroup, "t", []ad.NameHint{{Name: "Tier1"}}, true)

	info, err := os.Stat(c.path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file %s: mode %v, err %v; want 0600", c.path, info.Mode().Perm(), err)
	}
	if got, ok := c.lookup(ad.NameUser, "JD"); !ok || !reflect.DeepEqual(got, jd) {
		t.Errorf("same prefix: %v %v, want %v", got, ok, jd)
	}
	if got, ok := c.lookup(ad.NameUser, "jdo"); !ok || !reflect.DeepEqual(got, jd[:1]) {
		t.Errorf("longer prefix of a complete answer: %v %v, want jdoe only", got, ok)
	}
	if _, ok := c.lookup(ad.NameGroup, "ti"); ok {
		t.Error("a longer prefix was answered from a truncated answer, which may miss names")
	}
	if _, ok := c.lookup(ad.NameGroup, "jd"); ok {
		t.Error("a group lookup was answered from users")
	}
	other := openCache(env, "profile\x00ldaps://dc2", 5*time.Minute, func() time.Time { return now })
	if _, ok := other.lookup(ad.NameUser, "jd"); ok {
		t.Error("another server's names were offered")
	}
	now = now.Add(5 * time.Minute)
	if _, ok := c.lookup(ad.NameUser, "jd"); ok {
		t.Error("an answer older than the TTL was used")
	}
	off := openCache(env, "profile\x00ldaps://dc1", 0, func() time.Time { return now })
	if off.store(ad.NameUser, "x", jd, false); off.path != "" {
		t.Error("a TTL of 0 still caches")
	}
}
