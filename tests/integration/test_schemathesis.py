"""Schemathesis against docs/openapi.yaml: generated requests to every public endpoint,
in process through the Flask app. Whatever it sends, the answer is never a 5xx."""
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_no_generated_request_gets_a_server_error(app, shop):
    seen = []
    app.before_request(lambda: seen.append(1) and None)
    schema = schemathesis.openapi.from_path(SPEC)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case):
            case.call_and_validate(checks=[not_a_server_error])

        call()
    assert len(seen) >= 5 * len(operations)  # the requests really reached the app
