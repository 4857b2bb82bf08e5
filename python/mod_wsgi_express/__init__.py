"""Django app adding the runmodwsgi management command, which runs the Go
mod_wsgi-express binary for the project. Named mod_wsgi_express so it never
shadows the ``mod_wsgi`` module that mod_wsgi itself provides."""

default_app_config = "mod_wsgi_express.apps.ModWsgiExpressConfig"
