"""Development tools of mod_wsgi-express: post-mortem debugger, profiler,
request recorder, coverage and the --reload-on-changes monitor.

Loaded by express_runtime.py, which wraps the application with these as
handler.json asks. Standard library only (coverage is imported only when
--enable-coverage asked for it); works on Python 3.8+.
"""

import atexit
import io
import os
import pprint
import signal
import sys
import threading
import time
import traceback

__all__ = ["terminal", "Debugger", "Profiler", "Recorder", "Coverage",
           "ModuleMonitor", "on_shutdown"]


def on_shutdown(func):
    """Run func once when the process shuts down: through mod_wsgi's
    shutdown event when there is one, else atexit."""
    done = []

    def once(*args, **kwargs):
        if not done:
            done.append(True)
            func()
    try:
        import mod_wsgi
        subscribe = getattr(mod_wsgi, "subscribe_shutdown", None)
    except ImportError:
        subscribe = None
    if subscribe is not None:
        subscribe(once)
    atexit.register(once)


def _tty_stream(fd, mode):
    try:
        if os.isatty(fd):
            f = io.open(os.dup(fd), mode + "b", buffering=0)
            return io.TextIOWrapper(f, encoding="utf-8", errors="replace",
                                    line_buffering=True, write_through=True)
    except OSError:
        pass
    return None


def terminal():
    """(input, output) text streams on the terminal Apache was started
    from: its standard input and output when they are one, else
    /dev/tty; None when there is no terminal. (mod_wsgi's sys.stdin and
    sys.stdout lead elsewhere: sys.stdout to the error log.)"""
    stdin, stdout = _tty_stream(0, "r"), _tty_stream(1, "w")
    if stdin is None or stdout is None:
        try:
            f = io.open("/dev/tty", "r+b", buffering=0)
        except OSError:
            return None
        tty = io.TextIOWrapper(f, encoding="utf-8", errors="replace",
                               line_buffering=True, write_through=True)
        stdin, stdout = stdin or tty, stdout or tty
    return stdin, stdout


class _Wrapped(object):
    """Calls hooks around a WSGI call, each step of the iteration and
    close: before(), after(), and failed(exc_info) for an exception."""

    def __init__(self, app):
        self.app = app

    def before(self):
        pass

    def after(self):
        pass

    def failed(self, exc_info):
        pass

    def __call__(self, environ, start_response):
        self.before()
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self.failed(sys.exc_info())
            raise
        finally:
            self.after()
        return _Iterable(self, result)


class _Iterable(object):
    def __init__(self, hooks, result):
        self.hooks = hooks
        self.result = result
        self.iterator = None

    def __iter__(self):
        return self

    def __next__(self):
        h = self.hooks
        h.before()
        try:
            if self.iterator is None:
                self.iterator = iter(self.result)
            return next(self.iterator)
        except StopIteration:
            raise
        except BaseException:
            h.failed(sys.exc_info())
            raise
        finally:
            h.after()

    def close(self):
        close = getattr(self.result, "close", None)
        if close is None:
            return
        h = self.hooks
        h.before()
        try:
            close()
        except BaseException:
            h.failed(sys.exc_info())
            raise
        finally:
            h.after()


class Debugger(_Wrapped):
    """--enable-debugger: an exception escaping the application (from the
    call, the iteration or close) enters pdb post mortem on the terminal.
    When you continue, the exception goes on to mod_wsgi (a 500)."""

    def __init__(self, app, streams=None):
        _Wrapped.__init__(self, app)
        import pdb
        streams = streams or terminal()
        # Without a terminal there is nobody to talk to: the exception
        # just goes on to mod_wsgi (and its error log).
        self.interactive = streams is not None
        stdin, stdout = streams or (sys.stdin, sys.stderr)
        self.stdout = stdout
        self.pdb = pdb.Pdb(stdin=stdin, stdout=stdout)
        self.lock = threading.Lock()

    def startup(self):
        """--debugger-startup: stop before any request, so that
        breakpoints can be set (b FILE:LINE), then c to serve."""
        if not self.interactive:
            sys.stderr.write("mod_wsgi-express: --debugger-startup needs a "
                             "terminal; not stopping\n")
            return
        import bdb
        self.stdout.write("\nmod_wsgi-express: pdb at server start; set "
                          "breakpoints (b FILE:LINE), then c to serve.\n")
        try:
            self._stop_here()
        except bdb.BdbQuit:
            pass  # q: serve without the debugger stopping here

    def _stop_here(self):
        self.pdb.set_trace(sys._getframe())
        return

    def before(self):
        # Breakpoints set at startup apply to the request thread too.
        if self.pdb.breaks and sys.gettrace() is None:
            self.pdb.set_continue()
            sys.settrace(self.pdb.trace_dispatch)

    def failed(self, exc_info):
        if not self.interactive or not issubclass(exc_info[0], Exception):
            return  # SystemExit, KeyboardInterrupt: not the app's bug
        with self.lock:
            self.stdout.write("\nmod_wsgi-express: %s escaped the "
                              "application; pdb post mortem (c to let the "
                              "request end with a 500).\n" %
                              exc_info[0].__name__)
            traceback.print_exception(*exc_info, file=self.stdout)
            self.pdb.reset()
            self.pdb.interaction(None, exc_info[2])


class Profiler(_Wrapped):
    """--enable-profiler: cProfile over everything the application does in
    requests, written as DIRECTORY/TIME-PID.pstats when the process shuts
    down (one file per process and run)."""

    def __init__(self, app, directory):
        _Wrapped.__init__(self, app)
        import cProfile
        self.profile = cProfile.Profile()
        self.directory = directory
        self.started = time.time()
        self.depth = 0
        self.lock = threading.RLock()
        on_shutdown(self.write)

    def path(self):
        return os.path.join(self.directory, "%d-%d.pstats" % (
            int(self.started * 1000000), os.getpid()))

    def before(self):
        self.lock.acquire()
        self.depth += 1
        if self.depth == 1:
            self.profile.enable()

    def after(self):
        self.depth -= 1
        if self.depth == 0:
            self.profile.disable()
        self.lock.release()

    def write(self):
        with self.lock:
            self.profile.dump_stats(self.path())


class Recorder(object):
    """--enable-recorder: saves each request as files named
    TIME-PID-SEQUENCE.SUFFIX in the directory: .environ (the WSGI environ),
    .request (the body read), .status (response status and headers),
    .response (the body sent) and .exception (any exception raised by the
    call, the iteration or close)."""

    def __init__(self, app, directory):
        self.app = app
        self.directory = directory
        self.lock = threading.Lock()
        self.count = 0

    def _key(self):
        with self.lock:
            self.count += 1
            count = self.count
        return os.path.join(self.directory, "%d-%d-%d" % (
            int(time.time() * 1000000), os.getpid(), count))

    def __call__(self, environ, start_response):
        key = self._key()
        with open(key + ".environ", "w", encoding="utf-8") as f:
            pprint.pprint(environ, stream=f)
        body = environ["wsgi.input"].read()
        with open(key + ".request", "wb") as f:
            f.write(body)
        environ["wsgi.input"] = io.BytesIO(body)
        return _Recording(self.app, environ, start_response, key)


class _Recording(object):
    def __init__(self, app, environ, start_response, key):
        self.key = key
        self.out = open(key + ".response", "wb")
        try:
            self.result = app(environ, self.start_response(start_response))
        except BaseException:
            self.exception(sys.exc_info())
            self.out.close()
            raise
        self.iterator = None

    def start_response(self, start_response):
        def recorded(status, headers, exc_info=None):
            with open(self.key + ".status", "a", encoding="utf-8") as f:
                f.write(status + "\n")
                for name, value in headers:
                    f.write("%s: %s\n" % (name, value))
            write = start_response(status, headers, exc_info)

            def record_write(data):
                self.out.write(data)
                return write(data)
            return record_write
        return recorded

    def exception(self, exc_info):
        with open(self.key + ".exception", "a", encoding="utf-8") as f:
            traceback.print_exception(*exc_info, file=f)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            if self.iterator is None:
                self.iterator = iter(self.result)
            data = next(self.iterator)
        except StopIteration:
            raise
        except BaseException:
            self.exception(sys.exc_info())
            raise
        self.out.write(data)
        return data

    def close(self):
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        except BaseException:
            self.exception(sys.exc_info())
            raise
        finally:
            self.out.close()


class Coverage(_Wrapped):
    """--enable-coverage: measures from before the application is loaded
    and writes an HTML report into the directory at shutdown."""

    def __init__(self, directory, omit=()):
        _Wrapped.__init__(self, None)
        import coverage
        self.directory = directory
        self.cov = coverage.Coverage(
            data_file=os.path.join(directory, ".coverage"), omit=list(omit))
        self.cov.start()
        self.tracer = sys.gettrace()
        on_shutdown(self.write)

    def wrap(self, app):
        self.app = app
        return self

    def before(self):
        # mod_wsgi may run requests on threads coverage did not start on.
        if self.tracer is not None and sys.gettrace() is None:
            sys.settrace(self.tracer)

    def write(self):
        try:
            self.cov.stop()
        except Exception:
            pass
        self.cov.save()
        self.cov.html_report(directory=self.directory)


def _source_file(module):
    f = getattr(module, "__file__", None)
    if not f or not isinstance(f, str):
        return None
    if f.endswith((".pyc", ".pyo")):
        f = f[:-1]
    return f


class ModuleMonitor(object):
    """--reload-on-changes: watches the files of every loaded Python module
    and the entry point, once a second; when one changes it calls
    on_change (by default: restart this daemon process with SIGINT, as
    mod_wsgi's own reloader does). check() also looks before each request."""

    def __init__(self, extra=(), interval=1.0, on_change=None):
        self.extra = [f for f in extra if f]
        self.interval = interval
        self.on_change = on_change or self.restart
        self.mtimes = {}
        self.changed = None
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def files(self):
        out = set(self.extra)
        for module in list(sys.modules.values()):
            f = _source_file(module)
            if f:
                out.add(f)
        return out

    def check(self):
        """Scans now (mod_wsgi asks before each request, so the request
        after an edit already gets new code); True once a change was seen."""
        if self.changed is None:
            f = self.scan()
            if f is not None:
                self.changed = f
        return self.changed is not None

    def scan(self):
        """Returns the first file found changed since the last scan."""
        with self.lock:
            return self._scan()

    def _scan(self):
        for f in self.files():
            try:
                mtime = os.stat(f).st_mtime_ns
            except OSError:
                continue
            old = self.mtimes.get(f)
            self.mtimes[f] = mtime
            if old is not None and old != mtime:
                return f
        return None

    def start(self):
        self.scan()
        t = threading.Thread(target=self.run, name="mod_wsgi-express reloader")
        t.daemon = True
        t.start()
        return t

    def run(self):
        while not self.stopped.wait(self.interval):
            if self.changed is not None:
                return  # seen by check(): the process is restarting
            f = self.scan()
            if f is not None:
                self.changed = f
                self.on_change(f)
                return

    def restart(self, path):
        sys.stderr.write("mod_wsgi-express: %s changed; restarting the "
                         "daemon process (--reload-on-changes)\n" % path)
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGINT)
