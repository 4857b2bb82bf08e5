package discover

import "testing"

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		v, min string
		want   bool
	}{
		{"4.9.4", "4.9.1", true}, {"4.9.0", "4.9.1", false}, {"5.0", "4.9.1", true},
		{"4.10.0", "4.9.9", true}, {"", "6.0.0", true}, {"4.9.4", "4.9.4", true},
	} {
		if got := VersionAtLeast(c.v, c.min); got != c.want {
			t.Errorf("VersionAtLeast(%q, %q) = %v", c.v, c.min, got)
		}
	}
}
