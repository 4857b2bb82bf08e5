"""Unit tests of express_debug.py (the development tools) and of how
express_runtime.py uses them, outside Apache. Run by `go test ./templates`."""

import io
import os
import pstats
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import express_debug as dbg  # noqa: E402
import express_runtime as rt  # noqa: E402

# The runtime loads the tools by file under this name; share one module.
sys.modules.setdefault("_mod_wsgi_express_debug", dbg)


class Closing(object):
    def __init__(self, fail_iter=False, fail_close=False):
        self.fail_iter, self.fail_close = fail_iter, fail_close
        self.closed = False

    def __iter__(self):
        yield b"a"
        if self.fail_iter:
            raise RuntimeError("iteration failed")
        yield b"b"

    def close(self):
        self.closed = True
        if self.fail_close:
            raise KeyError("close failed")


def make_app(fail_call=False, **kw):
    def app(environ, start_response):
        if fail_call:
            raise ValueError("call failed")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing(**kw)
    return app


def run(app, environ=None, body=b""):
    env = {"PATH_INFO": "/x", "SCRIPT_NAME": "", "wsgi.input": io.BytesIO(body)}
    env.update(environ or {})
    status = []
    result = app(env, lambda s, h, e=None: status.append((s, h)) or (lambda d: None))
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return status[0][0], data


class DebuggerTest(unittest.TestCase):
    def debugger(self, app, typed="c\n"):
        out = io.StringIO()
        return dbg.Debugger(app, streams=(io.StringIO(typed), out)), out

    def test_passes_through(self):
        d, out = self.debugger(make_app())
        self.assertEqual(run(d), ("200 OK", b"ab"))
        self.assertEqual(out.getvalue(), "")

    def check_post_mortem(self, app, exc, message):
        d, out = self.debugger(app)
        with self.assertRaises(exc):
            run(d)
        text = out.getvalue()
        self.assertIn("(Pdb)", text)
        self.assertIn(message, text)
        self.assertIn("escaped the application", text)

    def test_call(self):
        self.check_post_mortem(make_app(fail_call=True), ValueError, "call failed")

    def test_iteration(self):
        self.check_post_mortem(make_app(fail_iter=True), RuntimeError, "iteration failed")

    def test_close(self):
        self.check_post_mortem(make_app(fail_close=True), KeyError, "close failed")

    def test_startup_stops_and_survives_quit(self):
        for typed in ("c\n", "q\n", ""):
            d, out = self.debugger(make_app(), typed)
            d.startup()
            self.assertIn("(Pdb)", out.getvalue())
            self.assertIsNone(sys.gettrace())
            self.assertEqual(run(d), ("200 OK", b"ab"))

    def test_no_terminal(self):
        d = dbg.Debugger(make_app(fail_call=True), streams=None)
        d.interactive = False
        d.startup()
        with self.assertRaises(ValueError):
            run(d)

    def test_close_still_called(self):
        inner = Closing(fail_iter=True)

        def app(environ, start_response):
            start_response("200 OK", [])
            return inner
        d, _ = self.debugger(app)
        with self.assertRaises(RuntimeError):
            run(d)
        self.assertTrue(inner.closed)


class ProfilerTest(unittest.TestCase):
    def test_writes_pstats(self):
        directory = tempfile.mkdtemp()

        def profiled_app(environ, start_response):
            start_response("200 OK", [])
            return [b"x"]
        p = dbg.Profiler(profiled_app, directory)
        self.assertEqual(run(p), ("200 OK", b"x"))
        p.write()
        files = os.listdir(directory)
        self.assertEqual(len(files), 1)
        name = files[0]
        self.assertTrue(name.endswith("-%d.pstats" % os.getpid()), name)
        stats = pstats.Stats(os.path.join(directory, name))
        self.assertTrue(any(f[2] == "profiled_app" for f in stats.stats))


class RecorderTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def files(self, suffix):
        return sorted(f for f in os.listdir(self.dir) if f.endswith(suffix))

    def read(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()

    def test_records_request_and_response(self):
        def app(environ, start_response):
            data = environ["wsgi.input"].read()
            start_response("201 Created", [("X-A", "1")])
            return [b"got ", data]
        r = dbg.Recorder(app, self.dir)
        self.assertEqual(run(r, body=b"hello"), ("201 Created", b"got hello"))
        self.assertEqual(run(r, {"PATH_INFO": "/second"})[0], "201 Created")
        environs = self.files(".environ")
        self.assertEqual(len(environs), 2)
        first = environs[0][:-len(".environ")]
        if not first.endswith("-1"):
            first = environs[1][:-len(".environ")]
        time_, pid, seq = first.split("-")
        self.assertEqual((pid, seq), (str(os.getpid()), "1"))
        self.assertIn(b"'PATH_INFO': '/x'", self.read(first + ".environ"))
        self.assertEqual(self.read(first + ".request"), b"hello")
        self.assertEqual(self.read(first + ".response"), b"got hello")
        self.assertEqual(self.read(first + ".status"), b"201 Created\nX-A: 1\n")
        self.assertEqual(self.files(".exception"), [])

    def test_records_exceptions(self):
        for app, exc in ((make_app(fail_call=True), ValueError),
                         (make_app(fail_iter=True), RuntimeError),
                         (make_app(fail_close=True), KeyError)):
            with self.assertRaises(exc):
                run(dbg.Recorder(app, self.dir))
        text = b"".join(self.read(f) for f in self.files(".exception"))
        for message in (b"call failed", b"iteration failed", b"close failed"):
            self.assertIn(message, text)


class CoverageTest(unittest.TestCase):
    def test_html_report(self):
        try:
            import coverage  # noqa: F401
        except ImportError:
            self.fail("the coverage package is needed (apt-get install python3-coverage)")
        directory = tempfile.mkdtemp()
        script = os.path.join(directory, "covered_app.py")
        with open(script, "w") as f:
            f.write("def application(environ, start_response):\n"
                    "    start_response('200 OK', [])\n"
                    "    return [b'covered']\n")
        out = os.path.join(directory, "htmlcov")
        os.mkdir(out)
        cov = dbg.Coverage(out)
        try:
            app, _ = rt.load_script(script, "application")
            wrapped = cov.wrap(app)
            # A request on another thread, as mod_wsgi's are.
            result = []
            t = threading.Thread(target=lambda: result.append(run(wrapped)))
            t.start()
            t.join()
        finally:
            cov.write()
        self.assertEqual(result, [("200 OK", b"covered")])
        with open(os.path.join(out, "index.html")) as f:
            self.assertIn("covered_app.py", f.read())
        pages = [f for f in os.listdir(out) if f.endswith("covered_app_py.html")]
        self.assertEqual(len(pages), 1, os.listdir(out))
        with open(os.path.join(out, pages[0])) as f:
            self.assertIn("100%", f.read())


class ModuleMonitorTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.name = "monitored_%d" % os.getpid()
        self.path = os.path.join(self.dir, self.name + ".py")
        with open(self.path, "w") as f:
            f.write("VALUE = 1\n")
        sys.path.insert(0, self.dir)
        __import__(self.name)

    def tearDown(self):
        sys.path.remove(self.dir)
        sys.modules.pop(self.name, None)

    def touch(self, path):
        future = time.time() + 10
        os.utime(path, (future, future))

    def test_scan_finds_changed_module(self):
        m = dbg.ModuleMonitor()
        self.assertIn(self.path, m.files())
        self.assertIsNone(m.scan())
        self.assertIsNone(m.scan())
        self.touch(self.path)
        self.assertEqual(m.scan(), self.path)

    def test_watches_extra_files(self):
        other = os.path.join(self.dir, "entry.wsgi")
        open(other, "w").close()
        m = dbg.ModuleMonitor(extra=[other])
        m.scan()
        self.touch(other)
        self.assertEqual(m.scan(), other)

    def test_thread_calls_on_change(self):
        seen = threading.Event()
        got = []
        m = dbg.ModuleMonitor(interval=0.05,
                              on_change=lambda f: (got.append(f), seen.set()))
        m.start()
        self.touch(self.path)
        self.assertTrue(seen.wait(10))
        self.assertEqual(got, [self.path])
        self.assertEqual(m.changed, self.path)


class HandlerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.script = os.path.join(self.dir, "app.wsgi")
        with open(self.script, "w") as f:
            f.write("def application(environ, start_response):\n"
                    "    start_response('200 OK', [])\n"
                    "    return [b'ok']\n")

    def handler(self, **config):
        base = {"application_type": "script", "entry_point": self.script,
                "working_directory": self.dir, "server_root": self.dir}
        base.update(config)
        return rt.ApplicationHandler(base)

    def test_debug_mode_puts_working_directory_first(self):
        sys.path.append(self.dir)
        try:
            self.handler(debug_mode=True)
            self.assertEqual(sys.path[0], self.dir)
        finally:
            while self.dir in sys.path:
                sys.path.remove(self.dir)

    def test_tools_wrap_the_application(self):
        rec = os.path.join(self.dir, "rec")
        prof = os.path.join(self.dir, "prof")
        os.mkdir(rec)
        os.mkdir(prof)
        h = self.handler(recorder_directory=rec, profiler_directory=prof)
        self.assertEqual(run(h)[1], b"ok")
        self.assertTrue(any(f.endswith(".response") for f in os.listdir(rec)))
        self.assertIsInstance(h.application, dbg.Recorder)
        self.assertIsInstance(h.application.app, dbg.Profiler)

    def test_reload_required_after_monitor_saw_a_change(self):
        h = self.handler()
        self.assertFalse(h.reload_required(self.script))
        h.monitor = dbg.ModuleMonitor()
        self.assertFalse(h.reload_required(self.script))
        h.monitor.changed = "/some/module.py"
        self.assertTrue(h.reload_required(self.script))

    def test_reload_required_checks_modules_itself(self):
        h = self.handler()
        h.monitor = dbg.ModuleMonitor(extra=[self.script])
        h.monitor.scan()
        future = time.time() + 10
        other = os.path.join(self.dir, "lib.py")
        with open(other, "w") as f:
            f.write("")
        h.monitor.extra.append(other)
        h.monitor.scan()
        os.utime(other, (future, future))
        self.assertTrue(h.reload_required(self.script))
        self.assertEqual(h.monitor.changed, other)

    def test_no_monitor_outside_mod_wsgi_daemons(self):
        self.assertIsNone(self.handler(reload_on_changes=True).monitor)


if __name__ == "__main__":
    unittest.main()
