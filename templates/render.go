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

// Render produces the files of the server root the plan's steps asked for
// (express.OutputsPlan), in that order. The same plan always gives the
// same bytes.
func Render(p *express.Plan) ([]File, error) {
	var files []File
	for _, f := range p.Outputs.Files {
		data, err := content(p, f)
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", f.Name, err)
		}
		files = append(files, File{Name: f.Name, Data: data, Mode: f.Mode, ChildRead: f.ChildRead, KeepOld: f.KeepOld})
	}
	return files, nil
}

// content is the bytes of one file, from whichever source it names.
func content(p *express.Plan, f express.OutputFile) ([]byte, error) {
	switch {
	case f.Template != "":
		var b bytes.Buffer
		if err := parsed.ExecuteTemplate(&b, f.Template, p); err != nil {
			return nil, err
		}
		if f.ApacheConfig {
			return addDollarDefine(b.Bytes()), nil
		}
		return b.Bytes(), nil
	case f.Embedded != "":
		return FS.ReadFile(f.Embedded)
	case f.JSON != nil:
		data, err := json.MarshalIndent(f.JSON, "", "  ")
		return append(data, '\n'), err
	}
	return []byte(f.Text), nil
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
