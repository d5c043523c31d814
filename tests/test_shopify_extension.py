"""The Shopify UI extension: `make extensions` builds it, the bundle stays small, its logic works."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "theme_blocks/shopify/extensions/order-status-block"
BUDGET_BYTES = 20 * 1024


def test_extension_config_has_both_targets_and_network_access():
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    assert config["api_version"] >= "2026-01"
    (extension,) = config["extensions"]
    targets = {t["target"]: t["module"] for t in extension["targeting"]}
    assert set(targets) == {"purchase.thank-you.block.render", "customer-account.order-status.block.render"}
    assert all((EXTENSION / module).is_file() for module in targets.values())
    assert extension["capabilities"]["network_access"] is True
    # The package matches the API version: 2026-07 ↔ @shopify/ui-extensions 2026.7.x.
    package = json.loads((EXTENSION / "package.json").read_text())
    year, month = config["api_version"].split("-")
    assert package["dependencies"]["@shopify/ui-extensions"].startswith(f"{year}.{int(month)}.")


def test_locales_have_the_same_keys():
    de = json.loads((EXTENSION / "locales/de.default.json").read_text())
    en = json.loads((EXTENSION / "locales/en.json").read_text())
    assert de.keys() == en.keys()
    assert {"title", "trackParcel", "trackingNumber"} <= de.keys()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot build the extension")
def test_make_extensions_builds_a_bundle_within_budget():
    result = subprocess.run(["make", "extensions"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = sorted((EXTENSION / "dist").glob("*.js"))
    assert {p.name for p in bundle} >= {"thank-you.js", "order-status.js"}
    compressed = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in bundle)
    assert 0 < compressed <= BUDGET_BYTES, compressed
    assert "/api/v1/order-status" in "".join(p.read_text() for p in bundle)
    assert (ROOT / "dist/aftersales-woocommerce.zip").is_file()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: cannot run the size check")
def test_size_check_fails_above_the_budget(tmp_path):
    """The size script exits non-zero when dist/ holds more than 20 KB gzipped."""
    copy = tmp_path / "ext"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(EXTENSION / "scripts/check-size.mjs", copy / "scripts")
    (copy / "dist").mkdir()
    (copy / "dist/big.js").write_bytes(bytes(range(256)) * 200 + os.urandom(25_000))
    result = subprocess.run(["node", "scripts/check-size.mjs"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 1
    assert "bundle too large" in result.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: cannot run the JS unit tests")
def test_js_logic_unit_tests_pass():
    result = subprocess.run(["node", "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
