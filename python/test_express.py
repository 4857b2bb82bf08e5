"""Unit tests for mod_wsgi_express.express (no Django needed).
Run by `go test ./python` or: python3 -m unittest discover python"""

import contextlib
import io
import os
import shutil
import stat
import sys
import tempfile
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mod_wsgi_express import cli, express  # noqa: E402


class ExpressTest(unittest.TestCase):
    def test_url_path(self):
        self.assertEqual(express.url_path("static/"), "/static")
        self.assertEqual(express.url_path("/media/"), "/media")
        self.assertEqual(express.url_path("https://cdn.example/s/"), None)
        self.assertEqual(express.url_path(None), None)

    def test_server_arguments(self):
        s = types.SimpleNamespace(WSGI_APPLICATION="mysite.wsgi.application",
                                  STATIC_URL="static/", STATIC_ROOT="/p/static",
                                  MEDIA_URL="/media/", MEDIA_ROOT="/p/media")
        self.assertEqual(express.server_arguments(s, "/p"), [
            "--application-type", "module",
            "--entry-point", "mysite.wsgi:application",
            "--working-directory", "/p",
            "--url-alias", "/static", "/p/static",
            "--url-alias", "/media", "/p/media"])

    def test_virtualenv_python_home(self):
        s = types.SimpleNamespace(WSGI_APPLICATION="a.wsgi.app")
        args = express.server_arguments(s, "/p", "/venv", "/usr")
        self.assertEqual(args[-2:], ["--python-home", "/venv"])
        self.assertNotIn("--python-home", express.server_arguments(s, "/p", "/usr", "/usr"))

    def test_no_static_root(self):
        s = types.SimpleNamespace(WSGI_APPLICATION="a.wsgi.app", STATIC_URL="/static/")
        self.assertNotIn("--url-alias", express.server_arguments(s, "/p"))

    def test_missing_wsgi_application(self):
        with self.assertRaises(ValueError):
            express.server_arguments(types.SimpleNamespace(), "/p")

    def executable(self, name="mwe"):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        exe = os.path.join(d, name)
        with open(exe, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(exe, stat.S_IRWXU)
        return exe

    def test_find_binary(self):
        exe = self.executable()
        none = lambda: None  # noqa: E731 - installed from source: no bundled binary
        self.assertEqual(express.find_binary({"MOD_WSGI_EXPRESS_BINARY": exe}), exe)
        with self.assertRaises(express.BinaryNotFound) as cm:
            express.find_binary({"MOD_WSGI_EXPRESS_BINARY": exe + ".missing"})
        self.assertIn("MOD_WSGI_EXPRESS_BINARY", str(cm.exception))
        with self.assertRaises(express.BinaryNotFound) as cm:
            express.find_binary({}, which=lambda name: None, bundled=none)
        self.assertIn("PATH", str(cm.exception))
        self.assertEqual(express.find_binary({}, which=lambda n: "/x/" + n, bundled=none),
                         "/x/mod_wsgi-express")

    def test_find_binary_bundled_first(self):
        # A wheel's binary wins over PATH; $MOD_WSGI_EXPRESS_BINARY over both.
        bundled, other = self.executable(), self.executable("other")
        self.assertEqual(express.find_binary({}, which=lambda n: "/x/" + n,
                                             bundled=lambda: bundled), bundled)
        self.assertEqual(express.find_binary({"MOD_WSGI_EXPRESS_BINARY": other},
                                             bundled=lambda: bundled), other)
        os.chmod(bundled, stat.S_IRUSR)
        with self.assertRaises(express.BinaryNotFound) as cm:
            express.find_binary({}, bundled=lambda: bundled)
        self.assertIn("not executable", str(cm.exception))

    def test_bundled_binary(self):
        # In the source tree no binary is bundled; a wheel puts it in bin/.
        pkg = os.path.dirname(os.path.abspath(express.__file__))
        want = os.path.join(pkg, "bin", "mod_wsgi-express")
        self.assertEqual(express.bundled_binary(), want if os.path.isfile(want) else None)

    def test_bundled_binary_windows(self):
        # A Windows wheel carries bin/mod_wsgi-express.exe: found on
        # Windows (os.name "nt") and only there.
        pkg = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, pkg)
        os.mkdir(os.path.join(pkg, "bin"))
        exe = os.path.join(pkg, "bin", "mod_wsgi-express.exe")
        open(exe, "w").close()
        self.assertEqual(express.bundled_binary("nt", pkg), exe)
        self.assertIsNone(express.bundled_binary("posix", pkg))
        unix = os.path.join(pkg, "bin", "mod_wsgi-express")
        open(unix, "w").close()
        self.assertEqual(express.bundled_binary("posix", pkg), unix)
        self.assertEqual(express.bundled_binary("nt", pkg), exe)


class CliTest(unittest.TestCase):
    def test_virtualenv_becomes_python_home(self):
        env = cli.server_environment({"PATH": "/bin"}, "/venv", "/usr")
        self.assertEqual(env, {"PATH": "/bin", "VIRTUAL_ENV": "/venv"})

    def test_explicit_virtual_env_kept(self):
        env = cli.server_environment({"VIRTUAL_ENV": "/other"}, "/venv", "/usr")
        self.assertEqual(env["VIRTUAL_ENV"], "/other")
        env = cli.server_environment({"VIRTUAL_ENV": ""}, "/venv", "/usr")
        self.assertEqual(env["VIRTUAL_ENV"], "/venv")

    def test_outside_virtualenv_nothing_added(self):
        self.assertEqual(cli.server_environment({"PATH": "/bin"}, "/usr", "/usr"), {"PATH": "/bin"})

    def test_no_bundled_binary(self):
        # Installed from source (no wheel): a clear message and status 1.
        old, cli.bundled_binary = cli.bundled_binary, lambda: None
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                self.assertEqual(cli.main(["version"]), 1)
        finally:
            cli.bundled_binary = old
        self.assertIn("carries no binary", err.getvalue())

if __name__ == "__main__":
    unittest.main()
