import { MigrationInterface, QueryRunner } from 'typeorm';
import { checkUsername } from '../../users/username';

/**
 * `user.username_canonical`: the RFC 8265 canonical form of each username, unique and compared in
 * binary on both databases (utf8mb4_bin on MySQL; SQLite compares BINARY by default). `username`
 * keeps the name as it was chosen, now also in binary on MySQL, whose `*_ci` collations took
 * `alice`, `álice`, `ａｌｉｃｅ` and `alice` + U+200B for the same name.
 *
 * Two existing accounts whose names have the same canonical form (possible on SQLite: `Alice` and
 * `alice`) are never merged: the migration stops before changing anything and lists them, for the
 * operator to rename one (PATCH /admin/users/:id) with the previous release and run it again.
 */
export class UsernameCanonical1796180000000 implements MigrationInterface {
  name = 'UsernameCanonical1796180000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb';
    const rows = (await q.query('SELECT id, username FROM `user` ORDER BY id')) as Array<{ id: number | string; username: string }>;
    const byCanonical = new Map<string, Array<{ id: number; username: string }>>();
    const invalid: string[] = [];
    for (const row of rows) {
      const check = checkUsername(row.username);
      if (!check.ok) {
        invalid.push(`  id ${row.id} ${JSON.stringify(row.username)}: ${check.rule}`);
        continue;
      }
      const group = byCanonical.get(check.canonical) ?? [];
      group.push({ id: Number(row.id), username: row.username });
      byCanonical.set(check.canonical, group);
    }
    const collisions = [...byCanonical.entries()]
      .filter(([, users]) => users.length > 1)
      .map(([canonical, users]) => `  ${JSON.stringify(canonical)}: ${users.map((u) => `id ${u.id} ${JSON.stringify(u.username)}`).join(', ')}`);
    if (collisions.length || invalid.length) {
      throw new Error(
        [
          'Cannot give every user a canonical username (RFC 8265); nothing was changed.',
          ...(collisions.length ? ['These accounts would have the same username; rename all but one of each group:', ...collisions] : []),
          ...(invalid.length ? ['These usernames are not allowed any more; rename them:', ...invalid] : []),
        ].join('\n'),
      );
    }

    if (mysql) {
      await q.query("ALTER TABLE `user` ADD `username_canonical` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''");
      await q.query('ALTER TABLE `user` MODIFY `username` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL');
    } else {
      await q.query("ALTER TABLE \"user\" ADD COLUMN \"username_canonical\" varchar(64) NOT NULL DEFAULT ''");
    }
    for (const [canonical, [user]] of byCanonical) {
      await q.query('UPDATE `user` SET username_canonical = ? WHERE id = ?', [canonical, user.id]);
    }
    await q.query('CREATE UNIQUE INDEX `UQ_user_username_canonical` ON `user` (`username_canonical`)');
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb';
    if (mysql) {
      await q.query('DROP INDEX `UQ_user_username_canonical` ON `user`');
      await q.query('ALTER TABLE `user` DROP COLUMN `username_canonical`');
      await q.query('ALTER TABLE `user` MODIFY `username` varchar(64) NOT NULL');
    } else {
      await q.query('DROP INDEX "UQ_user_username_canonical"');
      await q.query('ALTER TABLE "user" DROP COLUMN "username_canonical"');
    }
  }
}
