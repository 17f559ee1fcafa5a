import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `oauth2_pushed_request` (RFC 9126): an authorization request a client pushed, waiting for the
 * browser to arrive with its request_uri (stored as a SHA-256 digest). Used once, then marked.
 */
export class PushedAuthorizationRequests1796210000001 implements MigrationInterface {
  name = 'PushedAuthorizationRequests1796210000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_pushed_request',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'request_uri_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'client_id', type: 'varchar', length: '64' },
          { name: 'params', type: 'text' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'IDX_oauth2_pushed_request_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_pushed_request');
  }
}
