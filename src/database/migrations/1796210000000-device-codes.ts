import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `oauth2_device_code` (RFC 8628): a device authorization request, from the device's request to
 * the one token response. The device code and the user code are stored as SHA-256 digests.
 */
export class DeviceCodes1796210000000 implements MigrationInterface {
  name = 'DeviceCodes1796210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_device_code',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'device_code_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'user_code_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'client_id', type: 'varchar', length: '64' },
          { name: 'scope', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'auth_time', type: 'bigint', isNullable: true },
          { name: 'poll_interval', type: 'integer' },
          { name: 'last_polled_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_oauth2_device_code_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_device_code');
  }
}
