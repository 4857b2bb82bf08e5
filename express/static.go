package express

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// StaticOptions are the files Apache serves itself, and its error pages
// (--help: Static files).
type StaticOptions struct {
	DocumentRoot     string // --document-root
	URLAliases       []Pair `opt:"url-alias"` // URL-PATH FILE-OR-DIR
	DirectoryIndex   string
	DirectoryListing bool
	AllowOverride    []string `opt:"allow-override"`
	ErrorDocuments   []Pair   `opt:"error-document"` // STATUS URL-PATH
	ErrorOverride    bool
	HandlerScripts   []Pair `opt:"add-handler"` // EXTENSION SCRIPT
	MapHeadToGet     string // Off, On or Auto (default Auto)
}

func defaultStaticOptions() StaticOptions { return StaticOptions{MapHeadToGet: "Auto"} }

// StaticPlan is the document root, the aliases, and what Apache does with
// the files it serves.
type StaticPlan struct {
	DocumentRoot        string
	DefaultDocumentRoot bool // the empty htdocs of the server root
	URLAliases          []Alias
	DirectoryIndex      string // DirectoryIndex in the document root
	Listing             bool   // Options +Indexes
	AllowOverride       string // AllowOverride value; "" leaves Apache's None
	ErrorDocuments      []Pair // status, URL path
	ErrorOverride       bool   // WSGIErrorOverride On
	ResourceScript      string // resource.wsgi in the server root, when --add-handler
	Handlers            []Pair // extension, absolute script path
	MapHEAD             string // "On" or "Off"; "" for mod_wsgi's default (Auto)
}

// Alias maps a URL path to a file or directory.
type Alias struct {
	URL, Path string
	Dir       bool
}

var (
	reStatus    = regexp.MustCompile(`^[45][0-9][0-9]$`)
	reExtension = regexp.MustCompile(`^\.[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)
	reIndexName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.,+~-]*$`)
	reOverride  = regexp.MustCompile(`^(?i:(all|none|authconfig|fileinfo|indexes|limit|options|options=[a-z,]+|nonfatal=(override|unknown|all)))$`)
)

// static decides the document root, the aliases, directory indexes and
// listings, .htaccess overrides, error pages and handler scripts.
func (r *resolver) static() error {
	for _, step := range []func() error{r.documentRoot, r.urlAliases, r.directories, r.errorPages, r.handlerScripts} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// documentRoot is --document-root, a static site's directory, or the
// server root's empty htdocs. Requests go through it first: what is not a
// file there goes to the application (application.go, Mount).
func (r *resolver) documentRoot() error {
	o, s, a := &r.o, &r.p.Static, r.p.Application
	switch {
	case a.Static:
		s.DocumentRoot = a.StaticDir
	case o.DocumentRoot != "":
		s.DocumentRoot = r.abs(o.DocumentRoot)
		if !discover.IsDir(r.h, s.DocumentRoot) {
			return usagef("document-root", "%s is not a directory", s.DocumentRoot)
		}
	default:
		s.DocumentRoot, s.DefaultDocumentRoot = filepath.Join(r.p.Paths.ServerRoot, "htdocs"), true
	}
	if s.DocumentRoot == filepath.Join(r.p.Paths.ServerRoot, "htdocs") {
		// Empty, inside the server root, read by the children.
		r.addDir(OutputDir{Path: s.DocumentRoot, Mode: r.p.Processes.DirMode(), Owner: DirChildrenRead})
	}
	return nil
}

// urlAliases checks --url-alias: each URL path to an existing file or
// directory.
func (r *resolver) urlAliases() error {
	for _, a := range r.o.URLAliases {
		u, err := normURLPath("url-alias", a.Key)
		if err != nil {
			return err
		}
		if a.Value == "" { // "" would become "." (Apache: the server root)
			return usagef("url-alias", "%s needs a file or directory, not an empty value", u)
		}
		target := r.abs(a.Value)
		fi, err := r.h.Stat(target)
		if err != nil {
			return usagef("url-alias", "%s: no file or directory at %s", u, target)
		}
		r.p.Static.URLAliases = append(r.p.Static.URLAliases, Alias{URL: u, Path: target, Dir: fi.IsDir()})
	}
	return nil
}

// directories: the index file, listings and .htaccess overrides.
func (r *resolver) directories() error {
	o, s := &r.o, &r.p.Static
	if o.DirectoryIndex != "" {
		if !reIndexName.MatchString(o.DirectoryIndex) {
			return usagef("directory-index", "%s is not a file name such as index.html", shortQuote(o.DirectoryIndex))
		}
		s.DirectoryIndex = o.DirectoryIndex
	}
	if o.DirectoryListing {
		if err := r.need("autoindex", "directory-listing"); err != nil {
			return err
		}
		s.Listing = true
	}
	var ov []string
	for _, v := range o.AllowOverride {
		for _, w := range strings.Fields(v) {
			if !reOverride.MatchString(w) {
				return usagef("allow-override", "%s is not an AllowOverride type; use All, None, AuthConfig, FileInfo, Indexes, Limit, Options[=...] or Nonfatal=...", shortQuote(w))
			}
			ov = append(ov, canonicalOverride(w))
		}
	}
	if len(ov) > 1 {
		for _, w := range ov {
			if w == "None" || w == "All" {
				return usagef("allow-override", "%s cannot be combined with other types; give it alone", w)
			}
		}
	}
	s.AllowOverride = strings.Join(ov, " ")
	return nil
}

// canonicalOverride gives an AllowOverride keyword Apache's spelling.
func canonicalOverride(v string) string {
	lower := strings.ToLower(v)
	for _, k := range []string{"All", "None", "AuthConfig", "FileInfo", "Indexes", "Limit", "Options", "Nonfatal"} {
		if lower == strings.ToLower(k) {
			return k
		}
		if strings.HasPrefix(lower, strings.ToLower(k)+"=") {
			return k + v[len(k):]
		}
	}
	return v
}

// errorPages: --error-document, --error-override and --map-head-to-get.
func (r *resolver) errorPages() error {
	o, s := &r.o, &r.p.Static
	for _, e := range o.ErrorDocuments {
		if !reStatus.MatchString(e.Key) {
			return usagef("error-document", "%s is not an HTTP error status; use a 4xx or 5xx code such as 404", shortQuote(e.Key))
		}
		u, err := normURLPath("error-document", e.Value)
		if err != nil {
			return err
		}
		s.ErrorDocuments = append(s.ErrorDocuments, Pair{e.Key, u})
	}
	s.ErrorOverride = o.ErrorOverride
	switch strings.ToLower(o.MapHeadToGet) {
	case "auto", "":
	case "on":
		s.MapHEAD = "On"
	case "off":
		s.MapHEAD = "Off"
	default:
		return usagef("map-head-to-get", "%s is not one of Off, On or Auto", shortQuote(o.MapHeadToGet))
	}
	return nil
}

// handlerScripts checks --add-handler: document root files with an
// extension handled by a WSGI script.
func (r *resolver) handlerScripts() error {
	o, s := &r.o, &r.p.Static
	if len(o.HandlerScripts) == 0 {
		return nil
	}
	if r.p.Application.Static {
		return usagef("add-handler", "needs a WSGI application; it does nothing with --application-type static")
	}
	if err := checkKeys("add-handler", o.HandlerScripts, reExtension, "a file extension; give one such as .py", "extension"); err != nil {
		return err
	}
	for _, hs := range o.HandlerScripts {
		script, err := r.file("add-handler", hs.Value, true)
		if err != nil {
			return err
		}
		s.Handlers = append(s.Handlers, Pair{hs.Key, script})
	}
	s.ResourceScript = filepath.Join(r.p.Paths.ServerRoot, "resource.wsgi")
	handlers := map[string]string{}
	for _, hs := range s.Handlers {
		handlers[hs.Key] = hs.Value
	}
	r.pythonFile(filepath.Base(s.ResourceScript))
	r.addFile(OutputFile{Name: "resources.json", JSON: handlers, Mode: 0o640, ChildRead: true})
	return nil
}
