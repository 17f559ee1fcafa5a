import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/**
 * `user_session`: the server's sign-in sessions. The cookie carries a random 256-bit id; the table
 * keeps only its SHA-256 digest, so a copy of the table signs no one in. A session ends when its row
 * is ended (sign-out, password change, admin call) or expires; it goes with its user (CASCADE).
 */
export class UserSessions1796130000000 implements MigrationInterface {
  name = 'UserSessions1796130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'user_session',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'id_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'user_id', type: 'integer' },
          { name: 'auth_time', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'ended_at', type: 'bigint', isNullable: true },
          { name: 'ip', type: 'varchar', length: '45', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '255', isNullable: true },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'IDX_user_session_user', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('user_session');
  }
}
