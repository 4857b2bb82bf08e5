"""Unit tests for mod_wsgi_express.express (no Django needed).
Run by `go test ./python` or: python3 -m unittest discover python"""

import os
import stat
import sys
import tempfile
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mod_wsgi_express import express  # noqa: E402


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

    def test_find_binary(self):
        d = tempfile.mkdtemp()
        exe = os.path.join(d, "mwe")
        with open(exe, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(exe, stat.S_IRWXU)
        self.assertEqual(express.find_binary({"MOD_WSGI_EXPRESS_BINARY": exe}), exe)
        with self.assertRaises(express.BinaryNotFound) as cm:
            express.find_binary({"MOD_WSGI_EXPRESS_BINARY": exe + ".missing"})
        self.assertIn("MOD_WSGI_EXPRESS_BINARY", str(cm.exception))
        with self.assertRaises(express.BinaryNotFound) as cm:
            express.find_binary({}, which=lambda name: None)
        self.assertIn("PATH", str(cm.exception))
        self.assertEqual(express.find_binary({}, which=lambda n: "/x/" + n),
                         "/x/mod_wsgi-express")


if __name__ == "__main__":
    unittest.main()
