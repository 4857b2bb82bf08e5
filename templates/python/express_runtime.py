"""Runtime for mod_wsgi-express servers.

Loaded by handler.wsgi inside mod_wsgi (daemon or embedded processes) with
the Python mod_wsgi was built for. Standard library only; it does not need
the mod_wsgi Python package. Everything it is told comes from handler.json,
written by the mod_wsgi-express command.
"""

import errno
import html
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading

__all__ = ["ApplicationHandler", "load_application", "default_application"]


def default_application(environ, start_response):
    """The page served when start-server is given no application."""
    body = (
        "<!DOCTYPE html>\n<html><head><title>mod_wsgi-express</title></head>"
        "<body><h1>mod_wsgi-express is running</h1>"
        "<p>Apache and mod_wsgi are serving this page because no WSGI "
        "application was given. Run <code>mod_wsgi-express start-server "
        "app.wsgi</code> to serve your own.</p>"
        "<p>Python %s, mod_wsgi process group %s.</p></body></html>\n"
        % (html.escape(sys.version.split()[0]),
           html.escape(repr(environ.get("mod_wsgi.process_group", "")))))
    data = body.encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(data)))])
    return [data]


def mark_ready(path, ready):
    """Marks the application loaded (ready) or not for the readiness
    probe, which Apache answers from the file at path (none: no probe to
    tell). The mark never stops the application: an error is ignored."""
    if not path:
        return
    try:
        if not ready:
            os.remove(path)
            return
        tmp = "%s.%d.tmp" % (path, os.getpid())
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write("ready\n")
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.remove(tmp)
    except OSError:
        pass


class LoadError(Exception):
    """The application could not be found in its entry point."""


def _loader_frame(filename):
    """Whether a traceback frame is this runtime's, the generated handler
    script's or importlib's: the machinery that loads the application."""
    here = os.path.dirname(os.path.abspath(__file__))
    return (filename.startswith("<frozen importlib") or
            os.path.dirname(os.path.abspath(filename)) == here and
            os.path.basename(filename) in ("express_runtime.py",
                                           "express_debug.py",
                                           "handler.wsgi"))


def application_frames(tb):
    """The traceback from the first frame that is not the loader's, so an
    application that fails to load shows its own frames first; None when
    every frame is the loader's (a SyntaxError, or our own LoadError,
    explains itself)."""
    while tb is not None and _loader_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def _script_module_name(path):
    # One module name per script path, as mod_wsgi does, so two scripts
    # never share a namespace.
    import hashlib
    return "_mod_wsgi_express_" + hashlib.md5(
        path.encode("utf-8", "surrogateescape")).hexdigest()


def load_script(path, callable_object):
    """Execute a WSGI script file as a module and return (app, module)."""
    name = _script_module_name(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader, origin=path)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    app = getattr(module, callable_object, None)
    if app is None:
        raise LoadError("WSGI script %r does not define %r" %
                        (path, callable_object))
    return app, module


def load_module(name, callable_object):
    module = importlib.import_module(name)
    app = getattr(module, callable_object, None)
    if app is None:
        raise LoadError("module %r does not define %r" %
                        (name, callable_object))
    return app, module


def load_paste(path):
    try:
        from paste.deploy import loadapp
    except ImportError:
        raise LoadError("--application-type paste needs the paste.deploy "
                        "package (pip install PasteDeploy)")
    return loadapp("config:" + path), None


def load_application(config):
    kind = config.get("application_type")
    callable_object = config.get("callable_object") or "application"
    if kind == "script":
        return load_script(config["entry_point"], callable_object)
    if kind == "module":
        return load_module(config["entry_point"], callable_object)
    if kind == "paste":
        return load_paste(config["entry_point"])
    if kind in (None, "", "default"):
        return default_application, None
    raise LoadError("unknown application type %r" % (kind,))


def _load_sibling(name, filename):
    """The module in filename, beside this file, loaded once as name."""
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load_debug_tools():
    """express_debug.py, beside this file."""
    return _load_sibling("_mod_wsgi_express_debug", "express_debug.py")


# The process's claim to report telemetry: (pid, socket).
_telemetry_claim = None


def _claim_telemetry():
    """True in the one interpreter of this process that reports telemetry.

    mod_wsgi's metrics belong to the process, and request_metrics() hands
    each interval to one reader only; with an application group named per
    request a process has several interpreters, each loading this runtime.
    The first to bind an abstract socket named after the process id
    reports; the socket goes with the process. Where abstract sockets do
    not exist (not Linux), every interpreter reports.
    """
    global _telemetry_claim
    pid = os.getpid()
    if _telemetry_claim is not None and _telemetry_claim[0] == pid:
        return True
    import socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind("\0mod_wsgi-express-telemetry-%d" % pid)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            return False
        sock = None
    _telemetry_claim = (pid, sock)
    return True


def start_telemetry(config, application):
    """Starts this process's telemetry reporter, as handler.json's
    "telemetry" says (--enable-telemetry with a mod_wsgi older than 6, which
    sends none itself), and returns the application instrumented for it:
    responses by status class and slow requests. Telemetry never stops the
    application: a reporter that cannot start is said in the error log."""
    if not _claim_telemetry():
        return application
    try:
        reporter = _load_sibling("_mod_wsgi_express_telemetry",
                                 "express_telemetry.py")
        reporter.start(config["socket"],
                       interval=float(config.get("interval") or 1.0),
                       slow_threshold=float(config.get("slow_requests") or 0.0),
                       exit_wait=config.get("exit_wait") or None)
    except Exception as exc:
        sys.stderr.write("mod_wsgi-express: the telemetry reporter did not "
                         "start: %s: %s\n" % (type(exc).__name__, exc))
        sys.stderr.flush()
        return application
    return reporter.instrument(application)


def _in_daemon_process():
    try:
        import mod_wsgi
    except ImportError:
        return False
    return bool(getattr(mod_wsgi, "process_group", ""))


def set_path_front(paths):
    """Puts paths at the front of sys.path in the order given (the
    working directory, then each --python-path), as the Python
    mod_wsgi-express's home= and python-path= do, moving any already
    there (mod_wsgi adds home= itself) rather than adding them twice."""
    front = []
    for path in paths:
        if path and path not in front:
            front.append(path)
    sys.path[:] = front + [p for p in sys.path if p not in front]


class ApplicationHandler(object):
    """Wraps the user's application: fixes SCRIPT_NAME and PATH_INFO for
    the mount point and tells mod_wsgi when the entry point changed."""

    def __init__(self, config):
        self.config = config
        self.mount_point = config.get("mount_point") or ""
        workdir = config.get("working_directory")
        paths = list(config.get("python_paths") or [])
        if workdir:
            paths.insert(0, workdir)
        set_path_front(paths)
        self.monitor = None
        self.debugger = None
        coverage = None
        if config.get("coverage_directory"):
            tools = _load_debug_tools()
            omit = [os.path.join(config.get("server_root") or
                                 os.path.dirname(os.path.abspath(__file__)),
                                 "*")]
            coverage = tools.Coverage(config["coverage_directory"], omit)
        self.application, self.module = load_application(config)
        self.application = self._wrap(config, self.application, coverage)
        if config.get("telemetry"):
            self.application = start_telemetry(config["telemetry"],
                                               self.application)
        self.entry_file = None
        if config.get("application_type") == "script":
            self.entry_file = config["entry_point"]
        elif self.module is not None:
            self.entry_file = getattr(self.module, "__file__", None)
        self.entry_mtime = self._mtime(self.entry_file)
        self.lock = threading.Lock()
        if (config.get("reload_on_changes") and
                not config.get("disable_reloading") and
                not config.get("debug_mode") and _in_daemon_process()):
            self.monitor = _load_debug_tools().ModuleMonitor(
                extra=[self.entry_file])
            self.monitor.start()
        if self.debugger is not None and config.get("debugger_startup"):
            self.debugger.startup()

    def _wrap(self, config, app, coverage):
        """Wraps the application in the development tools handler.json
        asks for: debugger innermost, then profiler, recorder, coverage."""
        if not (config.get("enable_debugger") or coverage or
                config.get("profiler_directory") or
                config.get("recorder_directory")):
            return app
        tools = _load_debug_tools()
        if config.get("enable_debugger"):
            app = self.debugger = tools.Debugger(app)
        if config.get("profiler_directory"):
            app = tools.Profiler(app, config["profiler_directory"])
        if config.get("recorder_directory"):
            app = tools.Recorder(app, config["recorder_directory"])
        if coverage is not None:
            app = coverage.wrap(app)
        return app

    @classmethod
    def from_config(cls, path):
        with open(path, "r", encoding="utf-8") as f:
            config = json.load(f)
        mark = config.get("ready_file")
        try:
            handler = cls(config)
        except BaseException:
            mark_ready(mark, False)
            raise
        mark_ready(mark, True)
        return handler

    @staticmethod
    def _mtime(path):
        if not path:
            return None
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return None

    def reload_required(self, resource=None):
        """Called by mod_wsgi before each request in daemon mode: True
        restarts the process so the next request loads the new code."""
        if self.config.get("disable_reloading"):
            return False
        if self.monitor is not None and self.monitor.check():
            return True
        if (self.entry_file is not None and
                self._mtime(self.entry_file) != self.entry_mtime):
            if not getattr(self, "_reload_said", False):
                # Said once (mod_wsgi asks before each request until the
                # process restarts); start-server shows it on a terminal.
                self._reload_said = True
                sys.stderr.write("mod_wsgi-express: %s changed; restarting "
                                 "the daemon process\n" % self.entry_file)
                sys.stderr.flush()
            return True
        return False

    def fix_paths(self, environ):
        # mod_wsgi splits the URL its own way depending on how the request
        # was routed (script alias or fallback handler); rebuild the split
        # from the mount point so the application sees it consistently.
        mount = self.mount_point
        if environ.get("mod_wsgi.mount_point") is not None:
            # A trusted proxy header (X-Script-Name) set SCRIPT_NAME, and
            # mod_wsgi kept its own split in mod_wsgi.script_name: the
            # proxy's prefix stays, and the whole local path (less the
            # mount point) is PATH_INFO, as with the Python tool.
            full = (environ.get("mod_wsgi.script_name", "") +
                    environ.get("PATH_INFO", ""))
            if mount and (full == mount or full.startswith(mount + "/")):
                full = full[len(mount):]
            environ["PATH_INFO"] = full
            return
        full = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if mount and (full == mount or full.startswith(mount + "/")):
            environ["SCRIPT_NAME"] = mount
            environ["PATH_INFO"] = full[len(mount):]
        elif not mount:
            environ["SCRIPT_NAME"] = ""
            environ["PATH_INFO"] = full

    def __call__(self, environ, start_response):
        self.fix_paths(environ)
        return self.application(environ, start_response)
