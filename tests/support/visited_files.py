"""Which of the project's files had a function called while a block ran (sys.setprofile).

Only this thread is watched (the SMTP inbox's server thread is not), and module bodies run
by an import inside the block do not count: decorators and class bodies executed while a
module is first imported are not the code path, and which modules a test process has already
imported depends on the tests that ran before.
"""
from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app/", "connectors/")


@contextmanager
def visited_files():
    """Yield a set that fills with the root-relative paths under app/ and connectors/ whose
    functions were called in the block."""
    code_files: set[str] = set()
    importing = [0]

    def profile(frame, event, _arg):
        if event == "call":
            code = frame.f_code
            if code.co_name == "<module>":
                importing[0] += 1
            elif not importing[0]:
                code_files.add(code.co_filename)
        elif event == "return" and frame.f_code.co_name == "<module>":
            importing[0] -= 1

    previous = sys.getprofile()
    files: set[str] = set()
    sys.setprofile(profile)
    try:
        yield files
    finally:
        sys.setprofile(previous)
        files.update(_project_paths(code_files))


def _project_paths(code_files: set[str]) -> set[str]:
    paths = set()
    for name in code_files:
        try:
            relative = Path(name).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            continue
        if relative.startswith(PACKAGES) and relative.endswith(".py"):
            paths.add(relative)
    return paths


def clear_project_caches() -> None:
    """Empty every module-level functools cache of app/ and connectors/, so that a cached
    function counts as called however many tests ran before in this process (a cache hit
    calls no Python code)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith(("app.", "connectors.")) or module is None:
            continue
        for value in list(vars(module).values()):
            # type(), not getattr: a module may hold a proxy (flask.request) that raises on access
            if type(value) is functools._lru_cache_wrapper and value.__wrapped__.__module__ == name:
                value.cache_clear()
