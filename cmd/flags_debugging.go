package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addDebuggingFlags declares the Debugging options (express/debugging.go).
func addDebuggingFlags(b *flagBuilder, o *express.Options) {
	b.in("Debugging")
	b.boolean(&o.DebugMode, "debug-mode", "run one Apache process with one request thread in the foreground of the terminal, for debuggers (process options are ignored, reloading is off; a window resize stops it)")
	b.boolean(&o.EnableDebugger, "enable-debugger", "enter pdb on the terminal when an exception escapes the application (implies --debug-mode)")
	b.boolean(&o.DebuggerStartup, "debugger-startup", "with --enable-debugger: enter pdb when the server starts, to set breakpoints")
	b.boolean(&o.EnableProfiler, "enable-profiler", "profile the application with cProfile, one .pstats file per process and run (implies --debug-mode)")
	b.str(&o.ProfilerDirectory, "profiler-directory", "DIR", "where the profiler writes (default: SERVER-ROOT/pstats)")
	b.boolean(&o.EnableRecorder, "enable-recorder", "save each request and response as files (implies --debug-mode)")
	b.str(&o.RecorderDirectory, "recorder-directory", "DIR", "where the recorder writes (default: SERVER-ROOT/archive)")
	b.boolean(&o.EnableCoverage, "enable-coverage", "measure code coverage and write an HTML report at shutdown; needs the coverage package (implies --debug-mode)")
	b.str(&o.CoverageDirectory, "coverage-directory", "DIR", "where the coverage report goes (default: SERVER-ROOT/htmlcov)")
	b.boolean(&o.EnableGDB, "enable-gdb", "run Apache under gdb, to debug crashes (implies --debug-mode)")
	b.str(&o.GDBExecutable, "gdb-executable", "FILE", "gdb program to use")
}
