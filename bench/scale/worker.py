"""`python -m bench.scale.worker`: the app's worker (`python -m app.worker`) with counters."""
from bench.scale.counters import install_from_env

if __name__ == "__main__":
    install_from_env("worker")
    from app.worker import main

    main()
