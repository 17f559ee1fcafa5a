import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';

/**
 * `oauth2_registration`: clients that registered themselves (RFC 7591) and the digest of each one's
 * registration access token (RFC 7592), going with the client. `oauth2_initial_access_token`: the
 * operator's tokens that allow registering when REGISTRATION=token.
 */
export class ClientRegistrations1796200000000 implements MigrationInterface {
  name = 'ClientRegistrations1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_registration',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'client_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'access_token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'ip', type: 'varchar', length: '45', isNullable: true },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['client_id'], referencedTableName: 'oauth2_client', referencedColumnNames: ['client_id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'oauth2_initial_access_token',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'description', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'uses_left', type: 'integer' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_initial_access_token');
    await q.dropTable('oauth2_registration');
  }
}
