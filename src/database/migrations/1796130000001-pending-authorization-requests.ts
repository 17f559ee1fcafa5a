import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/**
 * `oauth2_pending_request`: an authorization request waiting on the consent page. The browser holds
 * only a random key in a small cookie (the table keeps its SHA-256 digest), so the largest `state`
 * and `redirect_uri` the server accepts fit, and any instance can finish what another began.
 */
export class PendingAuthorizationRequests1796130000001 implements MigrationInterface {
  name = 'PendingAuthorizationRequests1796130000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_pending_request',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'request_id', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'integer' },
          { name: 'auth_time', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'request', type: 'text' },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'IDX_oauth2_pending_request_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_pending_request');
  }
}
