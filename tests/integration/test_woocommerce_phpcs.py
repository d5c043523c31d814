"""PHP_CodeSniffer over the companion plugin: the WordPress standard (tests/php/phpcs.xml) and
WordPress.org Plugin Check's rules, so every `phpcs:ignore` in the plugin is backed by a check.

PHPCS and the standards come from var/phpcs/, unpacked by `make phpcs-deps` from git snapshots
(PHPCS_GIT, WPCS_GIT, PHPCSUTILS_GIT, PHPCSEXTRA_GIT, PLUGIN_CHECK_GIT), or from a `phpcs` on
PATH that has the WordPress standard (a Composer install). Skipped, naming what is missing,
without them or without PHP."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.integration.test_woocommerce_plugin import PHP, ROOT

PINNED = ROOT / "var" / "phpcs"
RULESET = ROOT / "tests" / "php" / "phpcs.xml"
PLUGIN_CHECK = PINNED / "plugin-check"


def phpcs_command() -> list[str] | str:
    """The phpcs command with the WordPress standard installed, or why there is none."""
    if PHP is None:
        return "php-cli is not installed (make php-deps)"
    pinned = PINNED / "phpcs" / "bin" / "phpcs"
    standards = [PINNED / name for name in ("wpcs", "phpcsutils", "phpcsextra")]
    if pinned.exists() and all(s.exists() for s in standards):
        paths = [*standards, *([PLUGIN_CHECK / "phpcs-sniffs"] if PLUGIN_CHECK.exists() else [])]
        return [PHP, str(pinned), "--runtime-set", "installed_paths", ",".join(map(str, paths))]
    found = shutil.which("phpcs")
    if found and "WordPress" in subprocess.run([found, "-i"], capture_output=True, text=True).stdout:
        return [found]
    missing = [name for name in ("phpcs", "wpcs", "phpcsutils", "phpcsextra") if not (PINNED / name).exists()]
    return ("PHP_CodeSniffer with the WordPress standard is not installed: var/phpcs/ lacks "
            f"{', '.join(missing)} "
            "(set PHPCS_GIT, WPCS_GIT, PHPCSUTILS_GIT, PHPCSEXTRA_GIT and run make phpcs-deps; no registry "
            "reachable here has the WordPress standard)")


def run_phpcs(*standards: str) -> dict:
    command = phpcs_command()
    if isinstance(command, str):
        pytest.skip(command)
    result = subprocess.run([*command, f"--standard={','.join(standards)}", "--report=json", "-q",
                             str(ROOT / "theme_blocks" / "woocommerce" / "aftersales")],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode in (0, 1, 2), result.stderr or result.stdout  # 1, 2: violations found
    return json.loads(result.stdout)


def problems(report: dict, kind: str) -> list[str]:
    return [f"{path.split('/aftersales/')[-1]}:{m['line']} {m['source']}: {m['message']}"
            for path, found in report["files"].items() for m in found["messages"] if m["type"] == kind]


def test_plugin_passes_the_wordpress_standard():
    report = run_phpcs(str(RULESET))
    assert len(report["files"]) >= 10  # every PHP file of the plugin was checked
    assert not problems(report, "ERROR")
    assert not problems(report, "WARNING")


def test_plugin_passes_plugin_checks_rules():
    if not (PLUGIN_CHECK / "phpcs-rulesets" / "plugin-review.xml").exists():
        pytest.skip("Plugin Check's rules are not in var/phpcs/plugin-check (set PLUGIN_CHECK_GIT, make "
                    "phpcs-deps)")
    report = run_phpcs(str(RULESET), str(PLUGIN_CHECK / "phpcs-rulesets" / "plugin-review.xml"),
                       "PluginCheck")
    assert not problems(report, "ERROR")
