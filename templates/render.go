package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// File is one file of the server root, rendered but not yet written.
type File struct {
	Name      string // relative to the server root
	Data      []byte
	Mode      fs.FileMode // permissions
	ChildRead bool        // Apache's unprivileged children must read it
	KeepOld   bool        // written only when missing (user-editable)
}

var funcs = template.FuncMap{
	"q":    quote.Apache,
	"sh":   quote.Shell,
	"dir":  filepath.Dir,
	"base": filepath.Base,
}

var parsed = template.Must(template.New("").Funcs(funcs).ParseFS(FS, "*.tmpl"))

// Render produces the files of the server root from a plan. The same plan
// always gives the same bytes.
func Render(p *express.Plan) ([]File, error) {
	exec := func(name string) ([]byte, error) {
		var b bytes.Buffer
		if err := parsed.ExecuteTemplate(&b, name, p); err != nil {
			return nil, fmt.Errorf("rendering %s: %w", name, err)
		}
		return b.Bytes(), nil
	}
	conf, err := exec("httpd.conf.tmpl")
	if err != nil {
		return nil, err
	}
	conf = addDollarDefine(conf)
	ctl, err := exec("apachectl.tmpl")
	if err != nil {
		return nil, err
	}
	env, err := exec("envvars.tmpl")
	if err != nil {
		return nil, err
	}
	files := []File{
		{Name: "httpd.conf", Data: conf, Mode: 0o600},
		{Name: "apachectl", Data: ctl, Mode: 0o700},
		{Name: "envvars", Data: env, Mode: 0o600},
		{Name: "rewrite.conf", Data: []byte("# Rewrite rules applied before requests fall back to the application.\n"), Mode: 0o600, KeepOld: true},
	}
	if p.Probes.LiveFile != "" {
		// The liveness probe's answer (probes.tmpl).
		files = append(files, File{Name: filepath.Base(p.Probes.LiveFile), Data: []byte("alive\n"), Mode: 0o640, ChildRead: true})
	}
	if !p.Application.Static {
		hc, err := json.MarshalIndent(p.Handler, "", "  ")
		if err != nil {
			return nil, err
		}
		handler, _ := FS.ReadFile("python/handler.wsgi")
		runtime, _ := FS.ReadFile("python/express_runtime.py")
		debug, _ := FS.ReadFile("python/express_debug.py")
		files = append(files,
			File{Name: "handler.json", Data: append(hc, '\n'), Mode: 0o640, ChildRead: true},
			File{Name: "handler.wsgi", Data: handler, Mode: 0o640, ChildRead: true},
			File{Name: "express_runtime.py", Data: runtime, Mode: 0o640, ChildRead: true},
			File{Name: "express_debug.py", Data: debug, Mode: 0o640, ChildRead: true},
		)
		if p.Handler.Telemetry != nil {
			reporter, _ := FS.ReadFile("python/express_telemetry.py")
			files = append(files, File{Name: "express_telemetry.py", Data: reporter, Mode: 0o640, ChildRead: true})
		}
	}
	if p.Debug.GDBCommands != "" {
		gdb, err := exec("gdb-commands")
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: "gdb.cmds", Data: gdb, Mode: 0o600})
	}
	extra, err := staticFiles(p)
	if err != nil {
		return nil, err
	}
	return append(files, extra...), nil
}

// addDollarDefine declares the Define that ApacheQuote uses to write a
// literal "${", when some value needed it.
func addDollarDefine(conf []byte) []byte {
	token := "${" + quote.DollarDefine + "}"
	if !bytes.Contains(conf, []byte(token)) {
		return conf
	}
	line := "\n# Lets values below hold a literal \"${\" (Apache would expand it).\nDefine " + quote.DollarDefine + " $\n"
	s := string(conf)
	i := strings.Index(s, "\n\n")
	if i < 0 {
		return []byte(line[1:] + s)
	}
	return []byte(s[:i+1] + line + s[i+1:])
}

// staticFiles are the extra files of the server root this concern needs:
// the resource handler for --add-handler and its configuration.
func staticFiles(p *express.Plan) ([]File, error) {
	if p.Static.ResourceScript == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, hs := range p.Static.Handlers {
		m[hs.Key] = hs.Value
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	script, err := FS.ReadFile("python/resource.wsgi")
	if err != nil {
		return nil, fmt.Errorf("reading resource.wsgi: %w", err)
	}
	return []File{
		{Name: "resource.wsgi", Data: script, Mode: 0o640, ChildRead: true},
		{Name: "resources.json", Data: append(data, '\n'), Mode: 0o640, ChildRead: true},
	}, nil
}
