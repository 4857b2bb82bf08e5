"""Works out the start-server arguments for a Django project. Kept apart
from the management command so it can be tested without Django."""

import os
import shutil


class BinaryNotFound(Exception):
    pass


def bundled_binary(os_name=os.name, package_dir=None):
    """The binary a platform wheel puts in this package (bin/), or None
    when the package was installed from source without one. A Windows
    wheel's is mod_wsgi-express.exe."""
    name = "mod_wsgi-express.exe" if os_name == "nt" else "mod_wsgi-express"
    if package_dir is None:
        package_dir = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(package_dir, "bin", name)
    return path if os.path.isfile(path) else None


def find_binary(environ=None, which=shutil.which, bundled=bundled_binary):
    """The mod_wsgi-express binary: $MOD_WSGI_EXPRESS_BINARY, else the one
    bundled in this package (installed from a platform wheel), else PATH."""
    environ = os.environ if environ is None else environ
    path = environ.get("MOD_WSGI_EXPRESS_BINARY")
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise BinaryNotFound(
            "MOD_WSGI_EXPRESS_BINARY is %r, which is not an executable file; "
            "fix it or unset it to use the bundled binary or PATH" % path)
    path = bundled()
    if path:
        if os.access(path, os.X_OK):
            return path
        raise BinaryNotFound(
            "the bundled binary %s is not executable; reinstall "
            "mod_wsgi_express (pip install --force-reinstall mod_wsgi_express)"
            % path)
    found = which("mod_wsgi-express")
    if found:
        return found
    raise BinaryNotFound(
        "no mod_wsgi-express binary: this install of mod_wsgi_express has "
        "none bundled (installed from source) and none is on PATH; install "
        "the platform wheel (pip install mod_wsgi_express), or build the "
        "binary (go install github.com/modwsgi-go/mod_wsgi-express@latest), "
        "or set MOD_WSGI_EXPRESS_BINARY to its path")


def url_path(url):
    """A settings URL such as 'static/' or '/static/' as an absolute path
    without the trailing slash ('/static')."""
    if not url or "://" in url:
        return None
    url = "/" + url.lstrip("/")
    return url.rstrip("/") or "/"


def server_arguments(settings, base_dir, prefix=None, base_prefix=None):
    """start-server arguments derived from Django settings. When manage.py
    runs in a virtualenv (prefix differs from base_prefix), the server runs
    the application with that environment's packages."""
    wsgi_app = getattr(settings, "WSGI_APPLICATION", None)
    if not wsgi_app:
        raise ValueError("settings.WSGI_APPLICATION is not set; runmodwsgi "
                         "needs it to find the WSGI application")
    module, _, callable_object = wsgi_app.rpartition(".")
    args = ["--application-type", "module",
            "--entry-point", "%s:%s" % (module, callable_object),
            "--working-directory", str(base_dir)]
    for url_setting, root_setting in (("STATIC_URL", "STATIC_ROOT"),
                                      ("MEDIA_URL", "MEDIA_ROOT")):
        url = url_path(getattr(settings, url_setting, None))
        root = getattr(settings, root_setting, None)
        if url and url != "/" and root:
            args += ["--url-alias", url, str(root)]
    if prefix and base_prefix and prefix != base_prefix:
        args += ["--python-home", prefix]
    return args
