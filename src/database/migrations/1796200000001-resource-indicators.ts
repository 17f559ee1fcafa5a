import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * Resource indicators (RFC 8707): `oauth2_resource`, the operator's resource servers; the resources
 * an authorization code was granted for (`oauth2_code.resources`); and on each token the resources
 * its grant covers (`resources`, kept through refresh) and its access token's audience (`audience`).
 * Space-separated URIs; null means not restricted, as every token issued before.
 */
export class ResourceIndicators1796200000001 implements MigrationInterface {
  name = 'ResourceIndicators1796200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_resource',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'identifier', type: 'varchar', length: '500', isUnique: true },
          { name: 'scopes', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.addColumn('oauth2_code', new TableColumn({ name: 'resources', type: 'text', isNullable: true }));
    await q.addColumn('oauth2_token', new TableColumn({ name: 'resources', type: 'text', isNullable: true }));
    await q.addColumn('oauth2_token', new TableColumn({ name: 'audience', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('oauth2_token', 'audience');
    await q.dropColumn('oauth2_token', 'resources');
    await q.dropColumn('oauth2_code', 'resources');
    await q.dropTable('oauth2_resource');
  }
}
