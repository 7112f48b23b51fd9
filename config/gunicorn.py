"""gunicorn's settings for the web service, as the image and docker-compose.yml start it:
`gunicorn -c config/gunicorn.py config.wsgi:application`. Options on the command line
still override them (bench/run and the tests start gunicorn with their own)."""

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"

# Each worker is replaced by a fresh one after 1,000 to 1,100 requests. CPython seldom
# gives freed memory back to the system: a worker that served one whole-catalogue
# open-data download keeps some 170 MB more for the rest of its life (issue 17), and every
# such request on another worker adds its own. The worker finishes the request in hand
# before it goes; the jitter spreads the restarts so the workers do not go at once.
max_requests = 1000
max_requests_jitter = 100
