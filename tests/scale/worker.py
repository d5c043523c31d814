"""`python -m tests.scale.worker`: the app's worker (`python -m app.worker`) with counters."""
from tests.scale.counters import install_from_env

if __name__ == "__main__":
    install_from_env("worker")
    from app.worker import main

    main()
