"""python manage.py runmodwsgi [start-server options]

Runs mod_wsgi-express start-server for this Django project, replacing the
manage.py process so signals reach Apache directly."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mod_wsgi_express.express import BinaryNotFound, find_binary, server_arguments


def project_dir():
    base = getattr(settings, "BASE_DIR", None)
    if base:
        return str(base)
    return os.path.dirname(os.path.abspath(sys.argv[0]))


class Command(BaseCommand):
    help = ("Run this project with Apache httpd and mod_wsgi through "
            "mod_wsgi-express start-server. Any start-server option may "
            "follow (see below).")

    # Options are mod_wsgi-express's own; parse none of them here.
    def run_from_argv(self, argv):
        args = argv[2:]
        if "-h" in args or "--help" in args:
            self.print_express_help(argv)
            return
        try:
            binary = find_binary()
        except BinaryNotFound as e:
            raise CommandError(str(e))
        try:
            derived = server_arguments(settings, project_dir(),
                                       sys.prefix, sys.base_prefix)
        except ValueError as e:
            raise CommandError(str(e))
        argv = [binary, "start-server"] + derived + list(args)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(binary, argv)

    def print_express_help(self, argv):
        prog = "%s %s" % (os.path.basename(argv[0]), argv[1])
        print("usage: %s [start-server options]\n" % prog)
        print(self.help)
        print("\nDerived from settings: --application-type module, "
              "--entry-point from WSGI_APPLICATION, --working-directory "
              "from BASE_DIR, --url-alias for STATIC_URL and MEDIA_URL.\n")
        try:
            binary = find_binary()
        except BinaryNotFound as e:
            print("(start-server options unavailable: %s)" % e)
            return
        out = subprocess.run([binary, "start-server", "--help"],
                             stdout=subprocess.PIPE, universal_newlines=True)
        text = out.stdout
        start = text.find("\nApplication:")
        print(text[start + 1:] if start >= 0 else text)

    def handle(self, *args, **options):  # pragma: no cover - run_from_argv
        raise CommandError("use: manage.py runmodwsgi [options]")
