"""block engagement: survey answers, derived module data, product facts on order lines

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-24 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_survey_answers_order_id_orders'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_survey_answers_shop_id_shops'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('order_id', name=op.f('uq_survey_answers_order_id'))
    )
    op.create_index('ix_survey_answers_shop_answered', 'survey_answers', ['shop_id', 'answered_at'], unique=False)
    with op.batch_alter_table('shop_modules') as batch:
        batch.add_column(sa.Column('derived', sa.JSON(), nullable=True))
    with op.batch_alter_table('order_lines') as batch:
        batch.add_column(sa.Column('product_handle', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('product_exists', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('product_exists')
        batch.drop_column('product_handle')
    with op.batch_alter_table('shop_modules') as batch:
        batch.drop_column('derived')
    op.drop_index('ix_survey_answers_shop_answered', table_name='survey_answers')
    op.drop_table('survey_answers')
