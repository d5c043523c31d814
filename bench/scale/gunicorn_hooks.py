"""gunicorn settings file for the scale run: each web worker counts its SQL and Redis calls."""
from bench.scale.counters import install_from_env


def post_fork(server, worker):
    install_from_env("web")
