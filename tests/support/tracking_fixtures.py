"""The fake tracking providers wired in as the app-wide providers; load with
`pytest_plugins` in tests/conftest.py."""
from __future__ import annotations

import pytest

from tests.support.fakes.tracking_providers import FakeDhl, FakeSeventeenTrack
from tests.support.tracking_setup import DHL_KEY, SEVENTEEN_KEY


@pytest.fixture
def fake_dhl(app):
    """FakeDhl as the app-wide DHL provider."""
    with FakeDhl(DHL_KEY) as fake:
        app.config.update(DHL_API_KEY=DHL_KEY, DHL_API_URL=fake.base_url)
        yield fake


@pytest.fixture
def fake_17track(app):
    """FakeSeventeenTrack as the app-wide 17TRACK provider."""
    with FakeSeventeenTrack(SEVENTEEN_KEY) as fake:
        app.config.update(SEVENTEENTRACK_API_KEY=SEVENTEEN_KEY, SEVENTEENTRACK_API_URL=fake.base_url)
        yield fake
