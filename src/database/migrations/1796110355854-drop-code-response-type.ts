import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `oauth2_code.response_type` was written ('code') and never read: a code exists only for the code
 * flow. `nonce` and `auth_time` stay: OpenID Connect reads them when it issues the ID Token.
 */
export class DropCodeResponseType1796110355854 implements MigrationInterface {
  name = 'DropCodeResponseType1796110355854';

  async up(q: QueryRunner): Promise<void> {
    await q.dropColumn('oauth2_code', 'response_type');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.addColumn('oauth2_code', new TableColumn({ name: 'response_type', type: 'varchar', length: '32', default: "'code'" }));
  }
}
