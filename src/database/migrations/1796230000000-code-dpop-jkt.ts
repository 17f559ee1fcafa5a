import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `oauth2_code.dpop_jkt` (RFC 9449 §10): the JWK SHA-256 thumbprint of the DPoP key an authorization
 * code is bound to (from the request's `dpop_jkt`, or the proof sent with a pushed request); null
 * for codes redeemable without a proof. Pending and pushed requests keep it in their JSON.
 */
export class CodeDpopJkt1796230000000 implements MigrationInterface {
  name = 'CodeDpopJkt1796230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('oauth2_code', new TableColumn({ name: 'dpop_jkt', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('oauth2_code', 'dpop_jkt');
  }
}
