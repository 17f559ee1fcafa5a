import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const bigint = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });
const id = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' as const };

/** The four tables of Authlib's example server, as the Table API writes them for SQLite and MySQL alike. */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'user',
        columns: [
          id,
          { name: 'username', type: 'varchar', length: '64', isUnique: true },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          bigint('created_at'),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'oauth2_client',
        columns: [
          id,
          { name: 'client_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'client_secret_hash', type: 'varchar', length: '64', isNullable: true },
          bigint('client_id_issued_at'),
          { ...bigint('client_secret_expires_at'), default: 0 },
          { name: 'client_metadata', type: 'text' },
          { name: 'user_id', type: 'integer', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'oauth2_code',
        columns: [
          id,
          { name: 'code_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'client_id', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'integer' },
          { name: 'redirect_uri', type: 'text' },
          { name: 'redirect_uri_sent', type: 'boolean', default: true },
          { name: 'response_type', type: 'varchar', length: '32' },
          { name: 'scope', type: 'text' },
          { name: 'nonce', type: 'varchar', length: '255', isNullable: true },
          bigint('auth_time'),
          { name: 'code_challenge', type: 'varchar', length: '128', isNullable: true },
          { name: 'code_challenge_method', type: 'varchar', length: '10', isNullable: true },
          bigint('expires_at'),
          bigint('used_at', true),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['client_id'], referencedTableName: 'oauth2_client', referencedColumnNames: ['client_id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'oauth2_token',
        columns: [
          id,
          { name: 'client_id', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'token_type', type: 'varchar', length: '40' },
          { name: 'access_token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'refresh_token_hash', type: 'varchar', length: '64', isUnique: true, isNullable: true },
          { name: 'scope', type: 'text' },
          bigint('issued_at'),
          { name: 'expires_in', type: 'integer' },
          bigint('access_token_revoked_at', true),
          bigint('refresh_token_revoked_at', true),
          { name: 'code_id', type: 'integer', isNullable: true },
          { name: 'family_id', type: 'varchar', length: '64' },
          { name: 'parent_id', type: 'integer', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['client_id'], referencedTableName: 'oauth2_client', referencedColumnNames: ['client_id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
        indices: [
          new TableIndex({ name: 'IDX_oauth2_token_family_id', columnNames: ['family_id'] }),
          new TableIndex({ name: 'IDX_oauth2_token_code_id', columnNames: ['code_id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oauth2_token');
    await q.dropTable('oauth2_code');
    await q.dropTable('oauth2_client');
    await q.dropTable('user');
  }
}
