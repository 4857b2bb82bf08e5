package express

import (
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// layout is a fake machine (internal/fakehost).
type layout = fakehost.Layout

func debianLayout() layout { return fakehost.Debian() }

func fakeHost(t testing.TB, l layout, uid int) fakehost.Host { return fakehost.New(t, l, uid) }

var wwwData = fakehost.WWWData
