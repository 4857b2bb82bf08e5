package express

import (
	"io/fs"
	"path"
)

// OutputsPlan is what the server root holds beyond Apache's own files:
// every file and directory a concern's step asked for, in the order asked.
// A step adds its own with r.addFile and r.addDir, as it adds modules with need;
// templates.Render makes each file's bytes and serverroot.Write creates
// them all, knowing no concern.
type OutputsPlan struct {
	Files []OutputFile
	Dirs  []OutputDir
}

// OutputFile is one file of the server root. Exactly one of Template,
// Embedded, JSON and Text gives its content.
type OutputFile struct {
	Name string // relative to the server root

	Template string // a template of templates/, executed with the plan
	Embedded string // a file of templates/ copied as it is (python/handler.wsgi)
	JSON     any    // a value written as indented JSON; a pointer into the plan is read when rendered
	Text     string // the content itself

	// ApacheConfig: the file is Apache configuration, which may need the
	// define that lets values hold a literal "${" (quote.DollarDefine).
	ApacheConfig bool
	Mode         fs.FileMode // permissions
	ChildRead    bool        // Apache's unprivileged children must read it
	KeepOld      bool        // written only when missing (the user's to edit)
}

// DirOwner says who owns a directory of OutputDir.
type DirOwner int

const (
	// DirAsMade leaves the directory as created (mode 0755 unless Mode).
	DirAsMade DirOwner = iota
	// DirChildrenRead is owned as the server root is: by root and the
	// children's group when running as root, readable by the children.
	DirChildrenRead
	// DirApplication is owned by the account the application runs as,
	// which writes into it.
	DirApplication
)

// OutputDir is one directory to create, inside or outside the server root.
type OutputDir struct {
	Path  string
	Mode  fs.FileMode // 0: as created (0755)
	Owner DirOwner
	// Parents: create missing parent directories (mode 0755).
	Parents bool
	// Replace: something else than a directory there (a planted link) is
	// removed first, never followed.
	Replace bool
	// Stale are files removed from it, left by an earlier run.
	Stale []string
	// BestEffort: a failure to create or own it is not an error (what
	// uses it reports its own).
	BestEffort bool
}

// addFile adds a file to the server root.
func (r *resolver) addFile(f OutputFile) { r.p.Outputs.Files = append(r.p.Outputs.Files, f) }

// addDir adds a directory to create.
func (r *resolver) addDir(d OutputDir) { r.p.Outputs.Dirs = append(r.p.Outputs.Dirs, d) }

// pythonFile adds a Python file of templates/python that Apache's children
// read, under its own name.
func (r *resolver) pythonFile(name string) {
	r.addFile(OutputFile{Name: name, Embedded: path.Join("python", name), Mode: 0o640, ChildRead: true})
}

// DirMode is the mode of the server root and of the directories owned as
// it is: the children's group reads them when running as root.
func (pp ProcessesPlan) DirMode() fs.FileMode {
	if pp.RunningAsRoot {
		return 0o750
	}
	return 0o700
}
