import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `auth_throttle`: failed password checks and client authentications, counted per account, per
 * (account, IP) and per IP, so every instance sees the same counts. Keys are SHA-256 digests of
 * the counter's name: no username or address is stored in clear.
 */
export class AuthThrottle1796130000002 implements MigrationInterface {
  name = 'AuthThrottle1796130000002';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'auth_throttle',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'failures', type: 'integer' },
          { name: 'window_start', type: 'bigint' },
          { name: 'locked_until', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_auth_throttle_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('auth_throttle');
  }
}
