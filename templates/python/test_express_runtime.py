"""Unit tests of express_runtime.py, run outside Apache with a fake
start_response. Run by `go test ./templates` (and so by the project's test
command), or directly: python3 -m unittest discover templates/python"""

import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import express_runtime as rt  # noqa: E402

APP = """
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%s|%s' % (environ['SCRIPT_NAME'], environ['PATH_INFO'])).encode()]

def other(environ, start_response):
    start_response('200 OK', [])
    return [b'other']
"""


def call(app, script_name="", path_info="/"):
    status = []
    body = b"".join(app({"SCRIPT_NAME": script_name, "PATH_INFO": path_info},
                        lambda s, h, e=None: status.append(s)))
    return status[0], body.decode()


def below_test(tb):
    """The traceback without this file's frames: what the handler script
    sees when it calls the runtime."""
    while tb is not None and tb.tb_frame.f_code.co_filename == os.path.abspath(__file__):
        tb = tb.tb_next
    return tb


class RuntimeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.script = os.path.join(self.dir, "app.wsgi")
        with open(self.script, "w") as f:
            f.write(APP)

    def handler(self, **config):
        base = {"application_type": "script", "entry_point": self.script,
                "callable_object": "application", "mount_point": "",
                "working_directory": self.dir}
        base.update(config)
        return rt.ApplicationHandler(base)

    def test_script_at_root(self):
        self.assertEqual(call(self.handler(), "/a", "/b"), ("200 OK", "|/a/b"))

    def test_mount_point_split(self):
        h = self.handler(mount_point="/sub")
        self.assertEqual(call(h, "/sub", "/x/y")[1], "/sub|/x/y")
        self.assertEqual(call(h, "", "/sub/x")[1], "/sub|/x")
        self.assertEqual(call(h, "/sub", "")[1], "/sub|")

    def test_trusted_script_name(self):
        # A trusted X-Script-Name: mod_wsgi sets SCRIPT_NAME and
        # mod_wsgi.mount_point to it and keeps its own split of the local
        # path in mod_wsgi.script_name; the prefix stays, PATH_INFO is the
        # local path less the mount point.
        def seen(h, script_name, path_info):
            status = []
            environ = {"SCRIPT_NAME": "/prefix", "PATH_INFO": path_info,
                       "mod_wsgi.mount_point": "/prefix",
                       "mod_wsgi.script_name": script_name}
            return b"".join(h(environ, lambda s, hd, e=None: status.append(s))).decode()
        self.assertEqual(seen(self.handler(), "", "/a/b"), "/prefix|/a/b")
        self.assertEqual(seen(self.handler(), "/a", "/b"), "/prefix|/a/b")
        h = self.handler(mount_point="/sub")
        self.assertEqual(seen(h, "/sub", "/x"), "/prefix|/x")
        self.assertEqual(seen(h, "", "/sub/x"), "/prefix|/x")
        self.assertEqual(seen(h, "", "/subway"), "/prefix|/subway")

    def test_path_order(self):
        # The working directory, then each --python-path, at the front of
        # sys.path, even when mod_wsgi's home= put the directory there
        # already (as the Python mod_wsgi-express orders them).
        lib = tempfile.mkdtemp()
        saved = list(sys.path)
        try:
            sys.path.append(self.dir)
            self.handler(python_paths=[lib])
            self.assertEqual(sys.path[:2], [self.dir, lib])
            self.assertEqual(sys.path.count(self.dir), 1)
        finally:
            sys.path[:] = saved

    def test_callable_object(self):
        self.assertEqual(call(self.handler(callable_object="other"))[1], "other")

    def test_missing_callable(self):
        with self.assertRaises(rt.LoadError):
            self.handler(callable_object="nope")

    def test_application_frames_skip_the_loader(self):
        # A script that fails in a function it calls: the trimmed traceback
        # starts at the script, and keeps its inner frame.
        with open(self.script, "w") as f:
            f.write("def inner():\n    raise ValueError('from the app')\ninner()\n")
        try:
            self.handler()
            self.fail("no ValueError")
        except ValueError as e:
            tb = rt.application_frames(below_test(e.__traceback__))
        files = []
        while tb is not None:
            files.append((tb.tb_frame.f_code.co_filename, tb.tb_frame.f_code.co_name))
            tb = tb.tb_next
        self.assertEqual(files, [(self.script, "<module>"), (self.script, "inner")])

    def test_application_frames_none_when_all_loader(self):
        with open(self.script, "w") as f:
            f.write("def broken(:\n")
        try:
            self.handler()
            self.fail("no SyntaxError")
        except SyntaxError as e:
            self.assertIsNone(rt.application_frames(below_test(e.__traceback__)))
        with open(self.script, "w") as f:
            f.write(APP)
        try:
            self.handler(callable_object="nope")
            self.fail("no LoadError")
        except rt.LoadError as e:
            self.assertIsNone(rt.application_frames(below_test(e.__traceback__)))

    def test_module_type(self):
        pkg = os.path.join(self.dir, "rtpkg_%d" % os.getpid())
        os.mkdir(pkg)
        open(os.path.join(pkg, "__init__.py"), "w").close()
        with open(os.path.join(pkg, "web.py"), "w") as f:
            f.write(APP)
        h = self.handler(application_type="module",
                         entry_point=os.path.basename(pkg) + ".web",
                         callable_object="other")
        self.assertEqual(call(h)[1], "other")

    def test_default_application(self):
        status, body = call(self.handler(application_type="default"))
        self.assertEqual(status, "200 OK")
        self.assertIn("mod_wsgi-express is running", body)

    def test_reload_required_when_script_changes(self):
        h = self.handler()
        self.assertFalse(h.reload_required(self.script))
        future = time.time() + 10
        os.utime(self.script, (future, future))
        self.assertTrue(h.reload_required(self.script))

    def test_reloading_disabled(self):
        h = self.handler(disable_reloading=True)
        future = time.time() + 10
        os.utime(self.script, (future, future))
        self.assertFalse(h.reload_required(self.script))

    def test_paste_without_paste_deploy(self):
        # A None entry in sys.modules makes the import fail, installed or not.
        from unittest import mock
        with mock.patch.dict(sys.modules, {"paste": None, "paste.deploy": None}):
            with self.assertRaises(rt.LoadError) as cm:
                self.handler(application_type="paste", entry_point="/x.ini")
        self.assertIn("PasteDeploy", str(cm.exception))

    def test_from_config(self):
        path = os.path.join(self.dir, "handler.json")
        with open(path, "w") as f:
            json.dump({"application_type": "script", "entry_point": self.script,
                       "callable_object": "application", "mount_point": ""}, f)
        self.assertEqual(call(rt.ApplicationHandler.from_config(path))[0], "200 OK")

    def test_ready_mark(self):
        # The readiness probe's mark: written when the application loads,
        # removed when a later load fails (a SystemExit at import too).
        path = os.path.join(self.dir, "handler.json")
        mark = os.path.join(self.dir, "ready", "ready.txt")
        os.mkdir(os.path.dirname(mark))
        with open(path, "w") as f:
            json.dump({"application_type": "script", "entry_point": self.script,
                       "callable_object": "application", "mount_point": "",
                       "ready_file": mark}, f)
        rt.ApplicationHandler.from_config(path)
        with open(mark) as f:
            self.assertEqual(f.read(), "ready\n")
        self.assertEqual(os.listdir(os.path.dirname(mark)), ["ready.txt"])
        for broken, exc in (("raise ValueError('no')\n", ValueError),
                            ("import sys\nsys.exit(3)\n", SystemExit)):
            rt.ApplicationHandler.from_config(path)
            self.assertTrue(os.path.exists(mark))
            with open(self.script, "w") as f:
                f.write(broken)
            with self.assertRaises(exc):
                rt.ApplicationHandler.from_config(path)
            self.assertFalse(os.path.exists(mark))
            with open(self.script, "w") as f:
                f.write(APP)

    def test_ready_mark_never_fails_the_application(self):
        # A mark that cannot be written (no such directory) is skipped.
        rt.mark_ready(os.path.join(self.dir, "missing", "ready.txt"), True)
        rt.mark_ready(os.path.join(self.dir, "missing", "ready.txt"), False)
        rt.mark_ready("", True)


class FakeModWSGI(object):
    """Stands in for mod_wsgi 4.9.4's metrics functions."""
    version = (4, 9, 4)
    process_group = "app"

    def __init__(self):
        self.shutdown = []

    def request_metrics(self):
        return {"request_count": 0, "request_throughput": 0.0,
                "capacity_utilization": 0.0, "sample_period": 1.0,
                "request_threads_maximum": 5, "request_threads_started": 1,
                "request_threads_active": 0}

    def process_metrics(self):
        return {"request_count": 0, "cpu_user_time": 0.0,
                "cpu_system_time": 0.0, "active_requests": 0}

    def subscribe_shutdown(self, callback):
        self.shutdown.append(callback)


class TelemetryTest(unittest.TestCase):
    """handler.json's "telemetry" starts the reporter (modules before 6)."""

    def setUp(self):
        import socket
        self.dir = tempfile.mkdtemp()
        self.script = os.path.join(self.dir, "app.wsgi")
        with open(self.script, "w") as f:
            f.write(APP)
        self.path = os.path.join(self.dir, "t.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(5)
        self.saved = sys.modules.get("mod_wsgi")
        self.module = sys.modules["mod_wsgi"] = FakeModWSGI()
        rt._telemetry_claim = None

    def tearDown(self):
        reporter = sys.modules.get("_mod_wsgi_express_telemetry")
        if reporter is not None and reporter._reporter is not None:
            reporter._reporter.stop()
            reporter._reporter = None
        if self.saved is None:
            del sys.modules["mod_wsgi"]
        else:
            sys.modules["mod_wsgi"] = self.saved
        self.sock.close()
        if rt._telemetry_claim is not None and rt._telemetry_claim[1] is not None:
            rt._telemetry_claim[1].close()
        rt._telemetry_claim = None

    def handler(self):
        return rt.ApplicationHandler({
            "application_type": "script", "entry_point": self.script,
            "callable_object": "application", "mount_point": "",
            "telemetry": {"socket": self.path, "interval": 0.5, "slow_requests": 2}})

    def test_reporter_starts_and_instruments(self):
        h = self.handler()
        data = self.sock.recv(65536)
        self.assertEqual(data[:4], b"WSGI")
        self.assertEqual(data[5], 5)  # kind: process started
        self.assertNotEqual(h.application.__name__, "application")  # instrumented
        self.assertEqual(call(h, "", "/x"), ("200 OK", "|/x"))
        reporter = sys.modules["_mod_wsgi_express_telemetry"]._reporter
        self.assertEqual((reporter.path, reporter.interval, reporter.slow_threshold),
                         (self.path, 0.5, 2.0))
        self.assertEqual(len(self.module.shutdown), 1)

    def test_one_reporter_per_process(self):
        self.assertTrue(rt._claim_telemetry())
        self.assertTrue(rt._claim_telemetry())  # the same interpreter again
        claim = rt._telemetry_claim
        rt._telemetry_claim = None  # as another interpreter sees it
        try:
            if sys.platform.startswith("linux"):
                self.assertFalse(rt._claim_telemetry())
        finally:
            rt._telemetry_claim = claim

    def test_old_module_serves_without_telemetry(self):
        self.module.version = (4, 7, 1)
        err = sys.stderr
        sys.stderr = captured = __import__("io").StringIO()
        try:
            h = self.handler()
        finally:
            sys.stderr = err
        self.assertIn("4.7.1", captured.getvalue())
        self.assertEqual(h.application.__name__, "application")
        self.assertEqual(call(h, "", "/x"), ("200 OK", "|/x"))

    def test_no_telemetry_without_config(self):
        h = rt.ApplicationHandler({"application_type": "script", "entry_point": self.script,
                                   "callable_object": "application", "mount_point": ""})
        self.assertEqual(h.application.__name__, "application")
        self.assertIsNone(rt._telemetry_claim)


if __name__ == "__main__":
    unittest.main()
