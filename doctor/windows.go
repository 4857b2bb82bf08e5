package doctor

import "github.com/modwsgi-go/mod_wsgi-express/discover"

// windows checks what module-config and module-location need on Windows,
// where start-server does not run: Apache and its modules directory, the
// mod_wsgi module with the pythonXY.dll it imports, that Python's home and
// the virtualenv. There is no MPM to choose (Apache for Windows has the
// winnt MPM compiled in), and no port, server root or account to check.
func (d *doctor) windows() {
	d.r.Windows = true
	d.apache()
	if dir, err := discover.FindModulesDir(d.h, d.o.ModulesDirectory, nil, d.httpd); err != nil {
		d.r.fail("modules directory", err)
	} else {
		d.modules = dir
		d.r.add("modules directory", StatusOK, dir, "")
	}
	d.wsgiModule()
	if d.moduleOK {
		d.python()
		d.virtualenv()
	}
	d.r.add("start-server", StatusWarn, "does not run on Windows", "load mod_wsgi into your own Apache with the lines module-config prints (docs/windows.md)")
	d.r.OK = !d.r.failed()
}
