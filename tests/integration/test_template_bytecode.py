"""A new process loads the templates another one compiled (app/caches/template_cache.py):
compiling the admin previews' mail templates cost ≈0.4 s in a fresh worker. A cache that
cannot be written never fails a render."""
from __future__ import annotations

import logging

import pytest
from jinja2 import Environment, PackageLoader

from app import create_app
from app.caches.template_cache import TemplateBytecode


def test_a_second_app_loads_compiled_templates_without_compiling(config):
    first = create_app(config)
    assert isinstance(first.jinja_env.bytecode_cache, TemplateBytecode)
    first.jinja_env.get_template("email/shipped/body.html")

    second = create_app(config)

    def no_compiling(*_args, **_kwargs):
        raise AssertionError("compiled again")

    second.jinja_env.compile = no_compiling
    assert second.jinja_env.get_template("email/shipped/body.html").name == "email/shipped/body.html"
    with pytest.raises(AssertionError, match="compiled again"):
        second.jinja_env.from_string("{{ 1 }}")  # the spy is live: only the cache spared it


def test_a_cache_that_cannot_be_written_still_renders(tmp_path, caplog):
    missing = tmp_path / "gone"  # as a full or read-only disk would answer: OSError on write
    env = Environment(loader=PackageLoader("app"), bytecode_cache=TemplateBytecode(str(missing)))
    caplog.set_level(logging.WARNING)
    assert env.get_template("email/shipped/subject.txt").render(t=lambda key, **kw: key, facts={"order": {}})
    assert "compiled template not kept" in caplog.text
