def application(environ, start_response):
    body = b"Hello from Apache and mod_wsgi!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
