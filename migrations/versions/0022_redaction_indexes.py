"""erased buyers by shop: two small partial indexes the drain asks for every batch

A drain asks, for every batch it applies, whether the batch's shops have an address listed
as `redacted` or an erased buyer (app/domain/privacy/lifecycle.py redact_late_arrivals); only then
does it look for the batch's addresses and orders among them. Both indexes hold only the
erased rows, so the answer is one index probe per shop, however many buyers it has.

Revision ID: 0022_redaction_indexes
Revises: 0021_engagement
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_redaction_indexes'
down_revision = '0021_engagement'
branch_labels = None
depends_on = None

ERASED = sa.text("suppressed_reason = 'redacted'")
REDACTED = sa.text("reason = 'redacted'")


def upgrade() -> None:
    op.create_index('ix_customers_redacted', 'customers', ['shop_id'],
                    postgresql_where=ERASED, sqlite_where=ERASED)
    op.create_index('ix_suppressions_redacted', 'suppressions', ['shop_id'],
                    postgresql_where=REDACTED, sqlite_where=REDACTED)


def downgrade() -> None:
    op.drop_index('ix_suppressions_redacted', table_name='suppressions')
    op.drop_index('ix_customers_redacted', table_name='customers')
