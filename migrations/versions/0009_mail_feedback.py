"""mail feedback: bounce and complaint reports; replenishment intervals learned per shop

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('email_hash', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('diagnostic', sa.String(length=300), nullable=True),
    sa.Column('feedback_type', sa.String(length=40), nullable=True),
    sa.Column('reporting_mta', sa.String(length=255), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=60), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['scheduled_messages.id'],
                            name=op.f('fk_mail_feedback_message_id_scheduled_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_mail_feedback_shop_id_shops'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_feedback')),
    sa.UniqueConstraint('digest', name=op.f('uq_mail_feedback_digest'))
    )
    with op.batch_alter_table('mail_feedback') as batch_op:
        batch_op.create_index('ix_mail_feedback_address', ['shop_id', 'email_hash', 'kind'], unique=False)
        batch_op.create_index('ix_mail_feedback_received', ['received_at'], unique=False)
    op.create_table('learned_intervals',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('intervals', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_learned_intervals_shop_id_shops'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_learned_intervals'))
    )


def downgrade() -> None:
    op.drop_table('learned_intervals')
    with op.batch_alter_table('mail_feedback') as batch_op:
        batch_op.drop_index('ix_mail_feedback_received')
        batch_op.drop_index('ix_mail_feedback_address')
    op.drop_table('mail_feedback')
