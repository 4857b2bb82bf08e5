from django.contrib import admin
from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse("Hello from Django on Apache and mod_wsgi!\n", content_type="text/plain")


urlpatterns = [path("", index), path("admin/", admin.site.urls)]
