package completion

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/replacefile"
)

// nameCache keeps what completion read from a directory for a few minutes, so that <TAB>
// pressed again on the same word, or on a longer one, costs no bind. One file per profile
// and server (the scope), mode 0600 in the user's cache directory; it holds names and their
// descriptions only, never a password or token. A cache that cannot be read or written is no
// cache: completion goes to the directory instead.
type nameCache struct {
	path string // "" when the cache is off
	ttl  time.Duration
	now  func() time.Time
}

// cacheFile is the file's content: the answers by "kind:prefix".
type cacheFile struct {
	Answers map[string]cachedAnswer `json:"answers"`
}

type cachedAnswer struct {
	At    time.Time            `json:"at"`
	More  bool                 `json:"more,omitempty"` // the directory held more than were kept
	Names []directory.NameHint `json:"names"`
}

func openCache(getenv func(string) string, scope string, ttl time.Duration, now func() time.Time) nameCache {
	if ttl <= 0 {
		return nameCache{}
	}
	dir, err := config.CacheDir(getenv)
	if err != nil {
		return nameCache{}
	}
	sum := sha256.Sum256([]byte(scope))
	return nameCache{
		path: filepath.Join(dir, "completion", hex.EncodeToString(sum[:12])+".json"),
		ttl:  ttl,
		now:  now,
	}
}

func answerKey(kind directory.NameKind, prefix string) string {
	return string(kind) + ":" + strings.ToLower(prefix)
}

// lookup answers from the cache: the same prefix, or a shorter one whose answer was complete
// (the names for "jdo" are among those for "jd" when "jd" had fewer than the cap).
func (c nameCache) lookup(kind directory.NameKind, prefix string) ([]directory.NameHint, bool) {
	file := c.read()
	if a, ok := file.Answers[answerKey(kind, prefix)]; ok && c.fresh(a) {
		return a.Names, true
	}
	for p := len(prefix) - 1; p >= 0; p-- {
		a, ok := file.Answers[answerKey(kind, prefix[:p])]
		if !ok || !c.fresh(a) || a.More {
			continue
		}
		var hints []directory.NameHint
		for _, h := range a.Names {
			if len(h.Name) >= len(prefix) && strings.EqualFold(h.Name[:len(prefix)], prefix) {
				hints = append(hints, h)
			}
		}
		return hints, true
	}
	return nil, false
}

func (c nameCache) fresh(a cachedAnswer) bool {
	age := c.now().Sub(a.At)
	return age >= 0 && age < c.ttl
}

func (c nameCache) read() cacheFile {
	var file cacheFile
	if c.path == "" {
		return file
	}
	if data, err := os.ReadFile(c.path); err == nil {
		_ = json.Unmarshal(data, &file) // a damaged cache is an empty one
	}
	return file
}

// store adds an answer, drops the stale ones, and replaces the file in one rename, so a
// completion running at the same time reads the old file or the new, never half of one.
func (c nameCache) store(kind directory.NameKind, prefix string, hints []directory.NameHint, more bool) {
	if c.path == "" {
		return
	}
	file := c.read()
	if file.Answers == nil {
		file.Answers = map[string]cachedAnswer{}
	}
	for k, a := range file.Answers {
		if !c.fresh(a) {
			delete(file.Answers, k)
		}
	}
	file.Answers[answerKey(kind, prefix)] = cachedAnswer{At: c.now(), More: more, Names: hints}
	data, err := json.Marshal(file)
	if err != nil {
		return
	}
	// Owner-only: the names are the domain's. Best effort: an answer not kept is asked for
	// again next time.
	_ = replacefile.Write(c.path, data, replacefile.Options{MakeDir: true})
}
