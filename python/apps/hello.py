"""The smallest useful WSGI application: the same bytes for every request.

bench/python.sh serves it with 09-python and with Python's own servers, so that what is
measured is the server, not the application.
"""

BODY = b"Hello, world!"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
