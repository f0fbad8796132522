"""Gunicorn's settings for serving Little Bee (`gunicorn -c python:littlebee.gunicorn_conf`).

The access log names the path without its query string and leaves out the Referer: a query
string or a referring page's address can carry a secret (a QR token, a voucher code, a reset
link), and an access log is kept and shipped far more widely than the database.
"""

# Client, time, method, path (no query), protocol, status, bytes, seconds, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
