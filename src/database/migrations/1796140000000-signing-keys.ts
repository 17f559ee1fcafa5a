import { MigrationInterface, QueryRunner, Table, TableUnique } from 'typeorm';

/**
 * `signing_key`: the keys ID tokens and JWT access tokens are signed with, shared by every instance.
 * The private half is stored encrypted (AES-256-GCM). `(alg, generation)` is unique, so two
 * instances that create or rotate a key at the same moment cannot both succeed.
 */
export class SigningKeys1796140000000 implements MigrationInterface {
  name = 'SigningKeys1796140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'signing_key',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'kid', type: 'varchar', length: '64', isUnique: true },
          { name: 'alg', type: 'varchar', length: '10' },
          { name: 'generation', type: 'integer' },
          { name: 'public_jwk', type: 'text' },
          { name: 'private_key', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'activates_at', type: 'bigint' },
          { name: 'retired_at', type: 'bigint', isNullable: true },
          { name: 'expires_at', type: 'bigint', isNullable: true },
        ],
        uniques: [new TableUnique({ name: 'UQ_signing_key_alg_generation', columnNames: ['alg', 'generation'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('signing_key');
  }
}
