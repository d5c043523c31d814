"""One Alembic head, and `upgrade head` on an empty database matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db.base import Base
from app.db.migrate import heads
from app.extensions import db


def test_single_head(database_url):
    assert len(heads(database_url)) == 1


def test_upgraded_schema_matches_models(app):
    # the session fixture ran `upgrade head` on an empty database
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
