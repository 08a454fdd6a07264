package iostreams

import "testing"

// The progress bar redraws itself with escape sequences: only on a terminal, and not on a
// Windows console that refused to turn their processing on (enableVT false).
func TestCanRedrawStderr(t *testing.T) {
	cases := []struct {
		tty, noVT, want bool
	}{
		{tty: false, want: false},
		{tty: true, want: true},
		{tty: true, noVT: true, want: false},
	}
	for _, c := range cases {
		s, _, _, _ := Test()
		s.SetTTY(c.tty, c.tty, c.tty)
		s.stderrNoVT = c.noVT
		if got := s.CanRedrawStderr(); got != c.want {
			t.Errorf("terminal %v, no VT %v: CanRedrawStderr = %v, want %v", c.tty, c.noVT, got, c.want)
		}
		if s.CanPrompt() != c.tty {
			t.Errorf("terminal %v, no VT %v: CanPrompt = %v; a console without escape sequences can still be asked", c.tty, c.noVT, s.CanPrompt())
		}
	}
}
