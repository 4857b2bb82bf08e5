"""python -m mod_wsgi_express: the same as the mod_wsgi-express command."""

import sys

from mod_wsgi_express.cli import main

sys.exit(main())
