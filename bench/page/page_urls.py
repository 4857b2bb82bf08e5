# URLs and views of the page application (page.wsgi).
import mimetypes
import os

from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

here = os.path.dirname(os.path.abspath(__file__))
serve_static = False  # set when WhiteNoise is missing


def page(request):
    with connection.cursor() as cur:
        cur.execute("SELECT id, name, email, price, quantity, created FROM items ORDER BY id LIMIT 20")
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    total = sum(r["price"] * r["quantity"] for r in rows)
    return render(request, "page.html", {"rows": rows, "total": total, "title": "Inventory"})


@csrf_exempt
def upload(request):
    n = 0
    while True:
        chunk = request.read(65536)
        if not chunk:
            break
        n += len(chunk)
    return HttpResponse("%d\n" % n, content_type="text/plain")


def download(request):
    size = int(request.GET.get("bytes", 10 * 1024 * 1024))
    block = b"x" * 65536

    def chunks():
        left = size
        while left > 0:
            yield block[:left]
            left -= len(block)

    resp = StreamingHttpResponse(chunks(), content_type="application/octet-stream")
    resp["Content-Length"] = str(size)
    return resp


def static(request, name):
    full = os.path.join(here, "static", os.path.basename(name))
    if not os.path.isfile(full):
        raise Http404()
    return FileResponse(open(full, "rb"), content_type=mimetypes.guess_type(full)[0])


urlpatterns = [
    path("", page),
    path("upload", upload),
    path("download", download),
    path("static/<str:name>", lambda r, name: static(r, name) if serve_static else page(r)),
]
