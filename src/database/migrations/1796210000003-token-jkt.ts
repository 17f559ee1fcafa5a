import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `oauth2_token.jkt` (RFC 9449 §6): the JWK SHA-256 thumbprint of the key a DPoP-bound token is
 * bound to; null for bearer tokens.
 */
export class TokenJkt1796210000003 implements MigrationInterface {
  name = 'TokenJkt1796210000003';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('oauth2_token', new TableColumn({ name: 'jkt', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('oauth2_token', 'jkt');
  }
}
