"""gunicorn's settings for the web service, as the image and docker-compose.yml start it:
`gunicorn -c config/gunicorn.py config.wsgi:application`. Options on the command line
still override them (the tests start gunicorn with their own; bench/run with these and its
own address and number of workers)."""

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

# The portal is loaded once, by the master, before it starts the workers: each worker starts
# with what the master made ready (when_ready), also one that replaces another. A new
# deploy is a new master (docker-compose.yml starts a new container), as a code change
# needs: the workers a master starts run the code it loaded.
preload_app = True


def when_ready(server):
    """Before the first worker starts, the master draws the search's cards of every
    published offer (offers.search.views.draw_every_card), so that a worker's first
    searches draw only the cards of offers changed since. A database not ready yet, or
    not migrated, leaves the drawing to the workers: it is said in the log. The master
    then holds no connection (database, Redis) a worker could inherit."""
    import gc
    import time

    from django.core.cache import caches
    from django.db import connections

    from offers.search.views import draw_every_card

    started = time.monotonic()
    try:
        drawn = draw_every_card()
    except Exception:  # (the workers draw the cards as the searches need them)
        server.log.exception("The search's cards were not drawn before the workers started")
    else:
        server.log.info(
            "The search's cards drawn before the workers started: %d in %.1f s",
            drawn,
            time.monotonic() - started,
        )
    finally:
        connections.close_all()
        caches.close_all()
        # What the master made (the portal's code, the cards) lives as long as the workers
        # do: their garbage collector need not go through it on every full collection (a
        # search and an empty page together spent 0.62 ms collecting, 0.26 ms after this).
        gc.freeze()
