"""Compiled templates kept on disk, so a new process loads them instead of compiling every
template again in its first requests and mails (≈0.4 s for the admin previews' 17 mail
kinds in a fresh worker on the development VM).

Jinja's FileSystemBytecodeCache, in a private per-user directory under the system's temp
dir, keyed by each template's name and source, so an edited template is compiled afresh.
A cache is an optimisation: when the directory cannot be made or a file cannot be
written (a read-only or full disk), templates are compiled as without it.
"""
from __future__ import annotations

import logging
from functools import cache

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)


class TemplateBytecode(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.warning("compiled template not kept (%s); it is compiled again in the next process", exc)


@cache
def template_bytecode() -> TemplateBytecode | None:
    try:
        return TemplateBytecode()
    except (OSError, RuntimeError) as exc:  # RuntimeError: Jinja found no safe directory
        log.warning("compiled templates are not kept on disk: %s", exc)
        return None
