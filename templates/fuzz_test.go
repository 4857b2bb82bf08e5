package templates

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// The fuzz test proves that no option value can change the shape of the
// generated files: whatever string reaches a string or path option, either
// express.Resolve refuses it with a *fault.UsageError, or
//   - httpd.conf, read with Apache's own rules (apacheParse below), holds
//     the same directives, sections and argument counts as with a harmless
//     value, and every argument that carried the value carries it back
//     exactly (after Apache's unescaping and ${VAR} expansion);
//   - apachectl passes `sh -n`, has the same lines, and every variable
//     assignment that carried the value gives it back through the shell;
//   - handler.json is valid JSON, and the Python files are the embedded
//     ones, byte for byte (values reach Python only through JSON).
//
// The option is chosen by index over every string, []string and pair field
// of express.Options found by reflection, so options added later are covered too.

// refValue is the harmless value the shape is compared with.
const refValue = "fuzzref"

// fuzzField is one string-carrying option field.
type fuzzField struct {
	name string
	path []int // reflect field index path
	kind reflect.Kind
	pair bool
	key  bool // a pair's first argument gets the value
}

func fuzzFields() []fuzzField {
	var out []fuzzField
	var walk func(t reflect.Type, idx []int)
	walk = func(t reflect.Type, idx []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			path := append(append([]int{}, idx...), i)
			name := express.OptionName(f)
			switch {
			case f.Anonymous:
				walk(f.Type, path)
			case name == "-":
			case f.Type.Kind() == reflect.String:
				out = append(out, fuzzField{name, path, reflect.String, false, false})
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
				out = append(out, fuzzField{name, path, reflect.Slice, false, false})
			case f.Type.Kind() == reflect.Slice && f.Type.Elem() == reflect.TypeOf(express.Pair{}):
				out = append(out, fuzzField{name, path, reflect.Slice, true, false}, fuzzField{name, path, reflect.Slice, true, true})
			}
		}
	}
	walk(reflect.TypeOf(express.Options{}), nil)
	return out
}

// set puts v into field f of o; pairs get v as their value and a fixed key.
func (f fuzzField) set(o *express.Options, v string) {
	fv := reflect.ValueOf(o).Elem().FieldByIndex(f.path)
	switch {
	case f.kind == reflect.String:
		fv.SetString(v)
	case f.pair:
		key, val := "FUZZ", v
		if strings.Contains(f.name, "alias") {
			key = "/fz"
		}
		if f.key {
			key, val = v, "fuzzval"
			if strings.Contains(f.name, "alias") {
				key = "/" + v // a URL path
			}
		}
		fv.Set(reflect.ValueOf([]express.Pair{{Key: key, Value: val}}))
	default:
		fv.Set(reflect.ValueOf([]string{v}))
	}
}

// nastyValues are the seeds every option is tried with.
var nastyValues = []string{
	"", "plain", "with space", "a\nb", "a\rb", "a\x00b",
	`say "hi"`, `it's`, `back\slash`, `trailing\`, `\\`, `\"`, `"`,
	"%{GLOBAL}", "%{ENV:HOME}", "${HOME}", "${MOD_WSGI_EXPRESS_DOLLAR}", "$${X}", "${", "$",
	"</Directory>", "x>\n<Directory />", "$(touch /tmp/pwned)", "`id`", "a;b|c&d", "*?[a]",
	"../../..", "/abs/olute", "é ünïcode", "#comment", "'", "\xff\xfe",
	strings.Repeat("long/", 2000),
	strings.Repeat(`\"${`, 3000),
}

func FuzzRender(f *testing.F) {
	fields := fuzzFields()
	for i := range fields {
		for _, v := range nastyValues {
			f.Add(uint16(i), v)
		}
	}
	// One fake machine for all runs (building one takes longer than a run).
	h := fakehost.New(f, fakehost.Debian(), 0)
	h.Users["nobody"] = &user.User{Uid: "65534", Gid: "65534", Username: "nobody"}
	f.Fuzz(func(t *testing.T, idx uint16, v string) {
		fld := fields[int(idx)%len(fields)]
		// A reference of this field's own, so files made for one option
		// do not stand in the way of another's.
		refValue := fmt.Sprintf("%s%d", refValue, int(idx)%len(fields))
		// Paths that must exist: make v and the reference exist in the
		// fake tree (never outside it) as directories, or as files for
		// the options naming one.
		h := h
		h.Wd = fmt.Sprintf("/srv/app/f%d", int(idx)%len(fields))
		makeInTree(h.Root, h.Wd, "hello.wsgi", true)
		comparable := true
		for _, name := range []string{v, refValue, "fuzzval"} {
			if !makeInTree(h.Root, h.Wd, name, fileOptions[fld.name]) && name == v {
				comparable = false // v exists as the other kind (an absolute path)
			}
		}
		render := func(val string) (*express.Plan, map[string][]byte, error) {
			o := express.DefaultOptions()
			o.Version = "fuzz"
			if fld.name != "entry-point" {
				o.EntryPoint = "hello.wsgi"
			}
			if fld.name == "access-log-name" {
				o.AccessLog = true
			}
			fld.set(&o, val)
			p, err := express.Resolve(o, h)
			if err != nil {
				return nil, nil, err
			}
			files, err := Render(p)
			if err != nil {
				t.Fatalf("--%s %q: Render: %v", fld.name, val, err)
			}
			m := map[string][]byte{}
			for _, fl := range files {
				m[fl.Name] = fl.Data
			}
			return p, m, nil
		}
		_, got, err := render(v)
		if err != nil {
			if !fault.IsUsage(err) {
				t.Fatalf("--%s %q: error is not a usage error: %v", fld.name, v, err)
			}
			return
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			t.Fatalf("--%s %q: a control character was accepted", fld.name, v)
		}
		conf, err := apacheParse(string(got["httpd.conf"]))
		if err != nil {
			t.Fatalf("--%s %q: httpd.conf does not parse: %v\n%s", fld.name, v, err, got["httpd.conf"])
		}
		checkOtherFiles(t, fld.name, v, got)
		if v == "" {
			// An empty value means the default, another shape; but it must
			// never become a relative path ("." is the server root to
			// Apache).
			for _, d := range conf {
				for _, a := range d.args {
					if a == "." {
						t.Fatalf("--%s \"\": %s has the relative path \".\"", fld.name, d.name)
					}
				}
			}
			return
		}
		// A per-request application group (%{SERVER}, ...) drops the
		// preload (WSGIImportScript) by design: another shape.
		if fld.name == "application-group" && strings.Contains(v, "%{") {
			comparable = false
		}
		if !comparable {
			return
		}
		_, ref, err := render(refValue)
		if err != nil {
			return // the option has its own syntax; nothing to compare with
		}
		refConf, err := apacheParse(string(ref["httpd.conf"]))
		if err != nil {
			t.Fatalf("reference httpd.conf does not parse: %v", err)
		}
		if len(conf) != len(refConf) {
			t.Fatalf("--%s %q: %d directives, want %d as with %q\n%s", fld.name, v, len(conf), len(refConf), refValue, got["httpd.conf"])
		}
		for i := range conf {
			a, b := conf[i], refConf[i]
			if a.shape() != b.shape() {
				t.Fatalf("--%s %q: directive %d is %s, want %s", fld.name, v, i, a.shape(), b.shape())
			}
			for j := range a.args {
				if !strings.Contains(b.args[j], refValue) {
					continue
				}
				// Apache takes no IPv6 address as ServerName: localhost,
				// with the port as for any other host.
				if a.name == "ServerName" && (a.args[j] == "localhost" || strings.HasPrefix(a.args[j], "localhost:")) &&
					strings.Contains(v, ":") && net.ParseIP(v) != nil {
					continue
				}
				if !roundTrips(a.args[j], b.args[j], h.Wd, refValue, v) {
					t.Fatalf("--%s %q: %s argument %d is %q; the value did not come back (reference %q)", fld.name, v, a.name, j, a.args[j], b.args[j])
				}
			}
		}
		checkShell(t, fld.name, v, h.Wd, refValue, got["apachectl"], ref["apachectl"])
	})
}

// fileOptions are the options naming a file rather than a directory.
var fileOptions = map[string]bool{"entry-point": true, "mime-types": true, "pid-file": false}

// makeInTree creates name, relative to wd, inside the fake root only, and
// reports false when it exists as the other kind.
func makeInTree(root, wd, name string, file bool) bool {
	if name == "" || strings.ContainsAny(name, "\x00") {
		return true
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(wd, p)
	}
	full := filepath.Join(root, p)
	if !strings.HasPrefix(full, root+string(filepath.Separator)) || len(full) > 3000 {
		return true
	}
	if file {
		if os.MkdirAll(filepath.Dir(full), 0o755) == nil {
			os.WriteFile(full, nil, 0o644)
		}
	} else {
		os.MkdirAll(full, 0o755)
	}
	fi, err := os.Stat(full)
	return err != nil || fi.IsDir() != file
}

// roundTrips: the argument equals the reference argument with the value in
// place of the reference value, as given or as a cleaned path.
func roundTrips(got, ref, wd, refValue, v string) bool {
	want := strings.ReplaceAll(ref, refValue, v)
	// URL paths (--url-alias, --mount-point) drop a trailing slash and
	// keep the rest as given.
	if got == want || got == filepath.Clean(want) || (len(want) > 1 && got == strings.TrimRight(want, "/")) {
		return true
	}
	// An IPv6 address before a port is written in brackets (Listen).
	if net.ParseIP(v) != nil && strings.Contains(v, ":") && got == strings.ReplaceAll(ref, refValue, "["+v+"]") {
		return true
	}
	// An absolute path replaces the working directory the reference was
	// made absolute against.
	if filepath.IsAbs(v) {
		if abs := strings.ReplaceAll(ref, wd+"/"+refValue, v); got == abs || got == filepath.Clean(abs) {
			return true
		}
	}
	// A path option: the value joined to the directory the reference sat in.
	if i := strings.Index(ref, refValue); i >= 0 && strings.HasSuffix(ref, refValue) {
		if filepath.IsAbs(v) && got == filepath.Clean(v) {
			return true
		}
		return got == filepath.Clean(ref[:i]+v)
	}
	return false
}

func checkOtherFiles(t *testing.T, opt, v string, files map[string][]byte) {
	t.Helper()
	if hj, ok := files["handler.json"]; ok {
		var m map[string]any
		if err := json.Unmarshal(hj, &m); err != nil {
			t.Fatalf("--%s %q: handler.json is not JSON: %v", opt, v, err)
		}
	}
	for name, src := range map[string]string{"handler.wsgi": "python/handler.wsgi", "express_runtime.py": "python/express_runtime.py"} {
		if data, ok := files[name]; ok {
			want, _ := FS.ReadFile(src)
			if string(data) != string(want) {
				t.Fatalf("--%s %q: %s differs from the embedded file", opt, v, name)
			}
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "apachectl")
	os.WriteFile(path, files["apachectl"], 0o600)
	if out, err := exec.Command("/bin/sh", "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("--%s %q: apachectl is not valid shell: %v\n%s\n%s", opt, v, err, out, files["apachectl"])
	}
}

// checkShell runs, through sh, each assignment of apachectl that carried
// the reference value, and checks the shell gives the value back.
func checkShell(t *testing.T, opt, v, wd, refValue string, got, ref []byte) {
	t.Helper()
	gl, rl := strings.Split(string(got), "\n"), strings.Split(string(ref), "\n")
	if len(gl) != len(rl) {
		t.Fatalf("--%s %q: apachectl has %d lines, want %d", opt, v, len(gl), len(rl))
	}
	for i := range rl {
		name, rv, ok := strings.Cut(rl[i], "=")
		if !ok || !strings.Contains(rv, refValue) || strings.ContainsAny(name, " #$") {
			continue
		}
		refOut, err := exec.Command("/bin/sh", "-c", rl[i]+"\nprintf %s \"$"+name+"\"").Output()
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/bin/sh", "-c", gl[i]+"\nprintf %s \"$"+name+"\"").Output()
		if err != nil {
			t.Fatalf("--%s %q: apachectl line %q fails in sh: %v", opt, v, gl[i], err)
		}
		if !roundTrips(string(out), string(refOut), wd, refValue, v) {
			t.Fatalf("--%s %q: through sh, %s is %q (reference %q)", opt, v, name, out, refOut)
		}
	}
}

// directive is one configuration line as Apache reads it.
type directive struct {
	depth   int
	name    string // "<Directory" for a section, "</Directory" for its end
	args    []string
	argKeys []string // "name=" for mod_wsgi options, "" for plain arguments
}

func (d directive) shape() string {
	return fmt.Sprintf("%d %s %d %s", d.depth, d.name, len(d.args), strings.Join(d.argKeys, ","))
}

// apacheParse reads conf with the rules of Apache 2.4's configuration
// reader: physical lines ending in a backslash continue on the next (even
// comments); ${NAME} is replaced once, before tokenizing, from Define;
// arguments are split by ap_getword_conf (quotes, \" and \\ escapes);
// sections nest; mod_wsgi parses its name=value options itself, the value
// again with ap_getword_conf. An undefined ${NAME} is an error here: Apache
// would take it from its environment.
func apacheParse(conf string) ([]directive, error) {
	if strings.ContainsAny(conf, "\r\x00") {
		return nil, fmt.Errorf("carriage return or NUL in the file")
	}
	defines := map[string]string{}
	var out []directive
	var stack []string
	phys := strings.Split(conf, "\n")
	for n := 0; n < len(phys); n++ {
		line := phys[n]
		for strings.HasSuffix(line, `\`) && n+1 < len(phys) {
			n++
			line = line[:len(line)-1] + phys[n]
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		line, err := resolveEnv(line, defines)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		d := directive{depth: len(stack)}
		switch {
		case strings.HasPrefix(line, "</"):
			if !strings.HasSuffix(line, ">") {
				return nil, fmt.Errorf("line %d: %q lacks >", n+1, line)
			}
			name := strings.TrimSpace(line[2 : len(line)-1])
			if len(stack) == 0 || !strings.EqualFold(stack[len(stack)-1], name) {
				return nil, fmt.Errorf("line %d: </%s> closes nothing open", n+1, name)
			}
			stack = stack[:len(stack)-1]
			d.depth, d.name = len(stack), "</"+name
		case strings.HasPrefix(line, "<"):
			end := strings.LastIndexByte(line, '>')
			if end < 0 {
				return nil, fmt.Errorf("line %d: section %q lacks >", n+1, line)
			}
			rest := line[1:end]
			name := getwordConf(&rest)
			d.name = "<" + name
			for strings.TrimSpace(rest) != "" {
				d.args = append(d.args, getwordConf(&rest))
				d.argKeys = append(d.argKeys, "")
			}
			stack = append(stack, name)
		default:
			rest := line
			d.name = getwordConf(&rest)
			wsgi := strings.HasPrefix(d.name, "WSGI")
			for strings.TrimSpace(rest) != "" {
				key := ""
				if wsgi {
					if k, ok := wsgiOptionName(rest); ok {
						key = k
						rest = strings.TrimLeft(rest, " \t")[len(k):]
					}
				}
				d.args = append(d.args, getwordConf(&rest))
				d.argKeys = append(d.argKeys, key)
			}
			if d.name == "Define" && len(d.args) == 2 {
				defines[d.args[0]] = d.args[1]
				if d.args[0] == quote.DollarDefine {
					continue // added only when a value needs it
				}
			}
		}
		out = append(out, d)
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("sections left open: %v", stack)
	}
	return out, nil
}

// wsgiOptionName returns "name=" when the next word is a mod_wsgi option:
// a name up to '=' with no space or quote before it.
func wsgiOptionName(s string) (string, bool) {
	s = strings.TrimLeft(s, " \t")
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '=':
			return s[:i+1], i > 0
		case ' ', '\t', '"', '\'':
			return "", false
		}
	}
	return "", false
}

// resolveEnv is ap_resolve_env: each ${NAME} with a closing brace is
// replaced by its definition, in one pass.
func resolveEnv(line string, defines map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == '$' && i+1 < len(line) && line[i+1] == '{' {
			if end := strings.IndexByte(line[i+2:], '}'); end >= 0 {
				name := line[i+2 : i+2+end]
				val, ok := defines[name]
				if !ok {
					return "", fmt.Errorf("${%s} is not defined here, so Apache would take it from its environment", name)
				}
				b.WriteString(val)
				i += 2 + end
				continue
			}
		}
		b.WriteByte(line[i])
	}
	return b.String(), nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// getwordConf is ap_getword_conf.
func getwordConf(line *string) string {
	s := *line
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	s = s[i:]
	if s == "" {
		*line = s
		return ""
	}
	var res string
	end := 0
	if q := s[0]; q == '"' || q == '\'' {
		end = 1
		for end < len(s) && s[end] != q {
			if s[end] == '\\' && end+1 < len(s) && (s[end+1] == q || s[end+1] == '\\') {
				end += 2
			} else {
				end++
			}
		}
		res = substringConf(s[1:min(end, len(s))], q)
		if end < len(s) && s[end] == q {
			end++
		}
	} else {
		for end < len(s) && !isSpace(s[end]) {
			end++
		}
		res = substringConf(s[:end], 0)
	}
	for end < len(s) && isSpace(s[end]) {
		end++
	}
	*line = s[end:]
	return res
}

func substringConf(s string, quote byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\\' || (quote != 0 && s[i+1] == quote)) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestApacheParseRules pins the tokenizer to what Apache does with a few
// lines, so the fuzz test's oracle is itself checked.
func TestApacheParseRules(t *testing.T) {
	conf := "Define D $\n# comment \\\nSwallowed x\nA \"q \\\" \\\\ x\" plain\\\\w\n<Directory \"/a>b\">\nWSGIX name opt=\"v w\" ${D}{HOME}\n</Directory>\n"
	ds, err := apacheParse(conf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.shape()+" "+strings.Join(d.args, "|"))
	}
	want := []string{
		"0 Define 2 , D|$",
		`0 A 2 , q " \ x|plain\w`,
		`0 <Directory 1  /a>b`,
		"1 WSGIX 3 ,opt=, name|v w|${HOME}",
		"0 </Directory 0  ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parsed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := apacheParse("A ${HOME}\n"); err == nil {
		t.Error("an undefined ${HOME} was not reported")
	}
	if _, err := apacheParse("<Directory /x>\n"); err == nil {
		t.Error("an open section was not reported")
	}
}

// TestShellQuoteRoundTrip runs ShellQuote's output through sh for the
// nasty values.
func TestShellQuoteRoundTrip(t *testing.T) {
	for _, v := range nastyValues {
		if strings.ContainsRune(v, 0) {
			continue
		}
		out, err := exec.Command("/bin/sh", "-c", "V="+quote.Shell(v)+"\nprintf %s \"$V\"").Output()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if string(out) != v {
			t.Errorf("through sh %q came back as %q", v, out)
		}
	}
}

// ShellWord leaves plain paths alone and otherwise quotes: either way the
// shell reads back the same single word.
func TestShellWordRoundTrip(t *testing.T) {
	for _, v := range append([]string{"/tmp/mod_wsgi-localhost:8000:0/apachectl", "a b", "we\"ird $x", "~user", "*", "a;b", "-"}, nastyValues...) {
		if strings.ContainsRune(v, 0) || v == "" {
			continue
		}
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+quote.ShellWord(v)).Output()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if string(out) != v {
			t.Errorf("through sh %q came back as %q", v, out)
		}
	}
	if got := quote.ShellWord("/tmp/mod_wsgi-localhost:8000:0/apachectl"); got != "/tmp/mod_wsgi-localhost:8000:0/apachectl" {
		t.Errorf("a plain path was quoted: %s", got)
	}
}
