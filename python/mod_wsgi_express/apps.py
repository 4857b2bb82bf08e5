from django.apps import AppConfig


class ModWsgiExpressConfig(AppConfig):
    name = "mod_wsgi_express"
    verbose_name = "mod_wsgi-express"
