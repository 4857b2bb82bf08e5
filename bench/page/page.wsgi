# The page application of go run ./bench: a Django view rendering a
# template over 20 rows of a SQLite table at /, an upload read by the app
# at /upload, a streamed download at /download?bytes=N, and, for the
# servers without a file server of their own, WhiteNoise serving
# /static/ (Apache serves it from --url-alias first).
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
if here not in sys.path:
    sys.path.insert(0, here)
try:
    import django
except ImportError:  # a virtualenv without Debian's packages
    sys.path.append("/usr/lib/python3/dist-packages")
    import django

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="page_urls",
        USE_TZ=True,
        DATABASES={"default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(here, "page.sqlite3"),
        }},
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [os.path.join(here, "page_templates")],
        }],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        INSTALLED_APPS=[],
    )
    django.setup()

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

try:
    from whitenoise import WhiteNoise
except ImportError:
    WhiteNoise = None
if WhiteNoise is not None:
    application = WhiteNoise(application, root=os.path.join(here, "static"), prefix="/static/")
else:
    import page_urls
    page_urls.serve_static = True
