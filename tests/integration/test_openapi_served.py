"""GET /openapi.yaml serves docs/openapi.yaml as it is: YAML, cacheable, with an ETag; the
health answers match the document's Readiness schema."""
from __future__ import annotations

from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from app.web import openapi

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs/openapi.yaml"


def test_the_served_document_is_the_file_and_valid_yaml(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.data == SPEC_PATH.read_bytes()
    assert yaml.safe_load(response.data)["openapi"].startswith("3.1")
    assert openapi.SPEC_PATH == SPEC_PATH  # found beside the package, wherever the process started


def test_it_is_cacheable_and_revalidates_with_its_etag(client):
    response = client.get("/openapi.yaml")
    assert response.cache_control.public and response.cache_control.max_age == 3600
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = client.get("/openapi.yaml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_copy_without_the_document_answers_404(client, monkeypatch, tmp_path):
    monkeypatch.setattr(openapi, "SPEC_PATH", tmp_path / "missing.yaml")
    assert client.get("/openapi.yaml").status_code == 404


def test_readiness_answers_match_the_documented_schema(client):
    spec = yaml.safe_load(SPEC_PATH.read_text())
    validator = Draft202012Validator({"$ref": "#/components/schemas/Readiness",
                                      "components": spec["components"]})
    for path in ("/healthz/ready", "/healthz"):
        assert not list(validator.iter_errors(client.get(path).get_json()))
    validator.validate({"status": "unavailable",
                        "checks": {"database": "ok", "redis": "error: ConnectionError"},
                        "failed": ["redis"]})
