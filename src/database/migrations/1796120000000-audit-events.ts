import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `audit_event`: one row per security-relevant act (sign-in, token issued, replay detected, admin
 * changes...). No foreign keys: an event outlives the user or client it names.
 */
export class AuditEvents1796120000000 implements MigrationInterface {
  name = 'AuditEvents1796120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'occurred_at', type: 'bigint' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'client_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'detail', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'IDX_audit_event_occurred_at', columnNames: ['occurred_at'] }),
          new TableIndex({ name: 'IDX_audit_event_type', columnNames: ['type', 'occurred_at'] }),
          new TableIndex({ name: 'IDX_audit_event_user_id', columnNames: ['user_id'] }),
          new TableIndex({ name: 'IDX_audit_event_client_id', columnNames: ['client_id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_event');
  }
}
