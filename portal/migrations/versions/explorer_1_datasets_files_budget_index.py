"""explorer: uploaded datasets per city with their files in the database, budget lines indexed by import

Datasets become unique per (city, slug) instead of globally, gain a `meta` JSON column (time, district and
coordinate columns, attribution), and keep each uploaded version's CSV in `dataset_files`. Budget lines get
an index on import_id (ON DELETE CASCADE from budget_imports scans it on PostgreSQL).

Revision ID: explorer_1
Revises: cycle_1
Create Date: 2026-11-29 20:43:32.022671
"""
from alembic import op
import sqlalchemy as sa


revision = 'explorer_1'
down_revision = 'cycle_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dataset_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_files_dataset_id_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_files')),
    sa.UniqueConstraint('dataset_id', 'version', name=op.f('uq_dataset_files_dataset_id'))
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index('ix_budget_lines_import_id', ['import_id'], unique=False)

    with op.batch_alter_table('datasets', schema=None) as batch_op:
        # existing rows get an empty object; the default is then dropped (the model sets it)
        batch_op.add_column(sa.Column('meta', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.drop_constraint(batch_op.f('uq_datasets_slug'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_datasets_city'), ['city', 'slug'])
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.alter_column('meta', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_datasets_city'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_datasets_slug'), ['slug'])
        batch_op.drop_column('meta')

    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_lines_import_id')

    op.drop_table('dataset_files')
