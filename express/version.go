package express

import (
	"strconv"
	"strings"
)

// VersionAtLeast reports whether dotted version v is at least min
// ("4.9.4" >= "4.9.1"). An empty or unreadable v is treated as unknown and
// reported as new enough, so a module whose version cannot be read is not
// refused for it.
func VersionAtLeast(v, min string) bool {
	if v == "" {
		return true
	}
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x > y
		}
	}
	return true
}

// requireModuleVersion fails with a message naming the option and the
// mod_wsgi version it needs when the module found is older.
func requireModuleVersion(p *Plan, option, min string) error {
	if VersionAtLeast(p.Module.Version, min) {
		return nil
	}
	return usagef(option, "needs mod_wsgi %s or newer, but the module %s is %s; drop the option or use a newer module (--mod-wsgi-module)",
		min, p.Module.Path, p.Module.Version)
}
