import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableUnique } from 'typeorm';

/**
 * `oauth2_consent`: the scopes a user has approved for a client, so the next request for the same or
 * fewer scopes skips the consent page. Goes with its user or client (ON DELETE CASCADE).
 */
export class ConsentGrants1795982351395 implements MigrationInterface {
  name = 'ConsentGrants1795982351395';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'oauth2_consent',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          { name: 'client_id', type: 'varchar', length: '64' },
          { name: 'scope', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        uniques: [new TableUnique({ name: 'UQ_oauth2_consent_user_client', columnNames: ['user_id', 'client_id'] })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['client_id'], referencedTableName: 'oauth2_client', referencedColumnNames: ['client_id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_consent');
  }
}
