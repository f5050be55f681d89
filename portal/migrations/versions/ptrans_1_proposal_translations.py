"""ptrans: proposal translations and the language of a proposal

Officers add translations of a proposal's title and description, one per language (unique per proposal and
language); the proposal keeps what its author wrote, and `proposals.language` says which language that is
(null where not known: proposals made before this revision).

Revision ID: ptrans_1
Revises: feedback_1
Create Date: 2026-11-29 23:48:24.696992
"""
from alembic import op
import sqlalchemy as sa


revision = 'ptrans_1'
down_revision = 'feedback_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposal_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('translated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_translations_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['translated_by_id'], ['users.id'], name=op.f('fk_proposal_translations_translated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_translations')),
    sa.UniqueConstraint('proposal_id', 'language', name=op.f('uq_proposal_translations_proposal_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('language')

    op.drop_table('proposal_translations')
