"""The mod_wsgi-express command that a platform wheel installs: it runs the
binary bundled in this package with the same arguments and exit status.

Installed into a virtualenv, the command makes that virtualenv the Python
home of the server (and so picks up a mod_wsgi pip-installed into it), as an
activated virtualenv would, unless $VIRTUAL_ENV already names one."""

import os
import sys

from mod_wsgi_express.express import bundled_binary


def server_environment(environ, prefix, base_prefix):
    """The environment the binary runs with: environ, plus VIRTUAL_ENV set to
    prefix when running in a virtualenv (prefix differs from base_prefix)
    and VIRTUAL_ENV is unset."""
    env = dict(environ)
    if prefix != base_prefix and not env.get("VIRTUAL_ENV"):
        env["VIRTUAL_ENV"] = prefix
    return env


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    binary = bundled_binary()
    if binary is None:
        sys.stderr.write(
            "mod_wsgi-express: this install of mod_wsgi_express carries no "
            "binary (it was installed from source, not from a platform "
            "wheel); install the wheel for this platform (pip install "
            "mod_wsgi_express), or run a mod_wsgi-express binary directly\n")
        return 1
    env = server_environment(os.environ, sys.prefix, sys.base_prefix)
    if os.name == "nt":
        import subprocess
        return subprocess.call([binary] + args, env=env)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(binary, [binary] + args, env)
    except OSError as e:
        sys.stderr.write("mod_wsgi-express: cannot run %s: %s; reinstall "
                         "mod_wsgi_express\n" % (binary, e.strerror))
        return 1
