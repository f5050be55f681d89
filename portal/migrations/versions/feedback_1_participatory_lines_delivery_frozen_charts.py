"""feedback: participatory budget lines, project delivery, frozen charts

Budget lines get `pb_project` (the proposal a line pays for: the portal's own lines for funded projects, and
the city's lines that name a project), indexed. Funded projects get a delivery record with dated updates by
officers. Frozen charts keep a published figure and its data.

Revision ID: feedback_1
Revises: explorer_1
Create Date: 2026-11-29 21:55:30.011726
"""
from alembic import op
import sqlalchemy as sa


revision = 'feedback_1'
down_revision = 'explorer_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('frozen_charts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('figure', sa.JSON(), nullable=False),
    sa.Column('data_csv', sa.Text(), nullable=False),
    sa.Column('citation', sa.JSON(), nullable=False),
    sa.Column('page_url', sa.String(length=2000), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['frozen_by_id'], ['users.id'], name=op.f('fk_frozen_charts_frozen_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frozen_charts'))
    )
    op.create_table('project_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('funded_amount', sa.BigInteger(), nullable=False),
    sa.Column('budget_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'delayed', 'completed', 'cancelled', name='delivery_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_project_deliveries_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_project_deliveries_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_project_deliveries_result_id_results'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_deliveries')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_project_deliveries_proposal_id'))
    )
    with op.batch_alter_table('project_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_deliveries_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('delivery_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'delayed', 'completed', 'cancelled', name='delivery_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_delivery_updates_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delivery_id'], ['project_deliveries.id'], name=op.f('fk_delivery_updates_delivery_id_project_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_updates'))
    )
    with op.batch_alter_table('delivery_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_updates_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pb_project', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_budget_lines_pb_project'), ['pb_project'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_pb_project'))
        batch_op.drop_column('pb_project')

    with op.batch_alter_table('delivery_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_updates_delivery_id'))

    op.drop_table('delivery_updates')
    with op.batch_alter_table('project_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_deliveries_cycle_id'))

    op.drop_table('project_deliveries')
    op.drop_table('frozen_charts')
