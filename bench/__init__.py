"""`make bench`: seed big databases, serve Jiedai with gunicorn, load it, and compare each page with a bare view.

See bench/README.md. The orchestrator (bench.cli) never imports Django; everything that needs Django runs in a
subprocess (bench.worker) configured for one database at a time.
"""
