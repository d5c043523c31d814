"""GET /openapi.yaml: the API description (docs/openapi.yaml) as it is in the repository.

The file stays where it is edited and tested (docs/), found from the package's parent folder the
way app/db/migrate.py finds migrations/: the app runs from its source tree (the Procfile, an
editable install), which a deployment needs for the release step's migrations anyway. Served
as application/yaml, cacheable for an hour with an ETag (a 304 for a client that has it), and
readable by browser tools on other origins (Swagger UI, an editor).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file

bp = Blueprint("openapi", __name__)
SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
MAX_AGE_SECONDS = 3600


@bp.get("/openapi.yaml")
def openapi_yaml():
    if not SPEC_PATH.is_file():
        abort(404, description="The API description is not installed with this copy of the app.")
    response = send_file(SPEC_PATH, mimetype="application/yaml", max_age=MAX_AGE_SECONDS, conditional=True,
                         etag=True)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
