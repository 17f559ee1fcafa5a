import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const familyColumn = (nullable: boolean) => new TableColumn({ name: 'family_id', type: 'varchar', length: '64', isNullable: nullable });

/**
 * `oauth2_token.family_id` becomes NULL for a token without a refresh token: only refresh
 * rotation has a family (revoked together), and a NULL key costs the family index nothing but an
 * append, where a random id was an insert at a random place on every token request.
 */
export class TokenFamilyOnlyWithRefresh1796140000001 implements MigrationInterface {
  name = 'TokenFamilyOnlyWithRefresh1796140000001';

  async up(q: QueryRunner): Promise<void> {
    await q.changeColumn('oauth2_token', 'family_id', familyColumn(true));
    await q.query('UPDATE oauth2_token SET family_id = NULL WHERE refresh_token_hash IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    const concat = q.connection.options.type === 'mysql' ? "CONCAT('token-', id)" : "'token-' || id";
    await q.query(`UPDATE oauth2_token SET family_id = ${concat} WHERE family_id IS NULL`);
    await q.changeColumn('oauth2_token', 'family_id', familyColumn(false));
  }
}
