import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `oauth2_used_jti`: the `jti` of every client assertion (RFC 7523 §3) and DPoP proof (RFC 9449
 * §11.1) seen while it could still be accepted. The unique key makes "seen before" one INSERT that
 * fails on every instance alike; rows are purged once the JWT they stand for has expired.
 */
export class UsedJtis1796210000002 implements MigrationInterface {
  name = 'UsedJtis1796210000002';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_used_jti',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'jti_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_oauth2_used_jti_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_used_jti');
  }
}
