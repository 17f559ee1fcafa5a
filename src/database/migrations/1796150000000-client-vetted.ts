import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `oauth2_client.vetted`: whether the operator stands behind the client. Clients that a console
 * user registered (`user_id` set) start unvetted; the operator's own stay vetted.
 */
export class ClientVetted1796150000000 implements MigrationInterface {
  name = 'ClientVetted1796150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('oauth2_client', new TableColumn({ name: 'vetted', type: 'boolean', default: true }));
    await q.query('UPDATE oauth2_client SET vetted = 0 WHERE user_id IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('oauth2_client', 'vetted');
  }
}
