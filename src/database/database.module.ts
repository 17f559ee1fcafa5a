import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { Db } from './db';
import { enableCausalReads, galeraSchemaViolations, isGalera } from './galera';
import { MysqlHosts } from './mysql-hosts';
import { mysqlHosts } from '../config/mysql-url';
import { withMigrationLease } from './migration-lease';
import { SqliteCheckpointer } from './sqlite-checkpointer';

const ranAtStart = new WeakMap<DataSource, string[]>();
/** The whole DATABASE_URL (every host) travels to the factory beside TypeORM's options. */
const HOSTS = Symbol('database hosts');

/** The migrations this process applied when it opened the database (empty: it was up to date). */
export function migrationsRanAtStart(dataSource: DataSource): string[] {
  return ranAtStart.get(dataSource) ?? [];
}

/** Opens the DataSource and runs pending migrations at start (both databases, same files). */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      // A wrong URL fails at once with one clear line (main.ts); retrying only delays that.
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database),
        retryAttempts: 0,
        [HOSTS]: config.database.type === 'mysql' ? config.database.url : undefined,
      }),
      dataSourceFactory: async (options) => {
        const url = (options as { [HOSTS]?: string })[HOSTS];
        const several = url !== undefined && mysqlHosts(url).length > 1;
        // The pool starts on the first node that answers, not necessarily the first named.
        if (several) options = { ...options!, url: await MysqlHosts.firstUsableUrl(url) } as typeof options;
        const dataSource = await new DataSource(options!).initialize();
        // Instances starting together take turns; the later ones find nothing left to run.
        const ran = await withMigrationLease(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
        ranAtStart.set(dataSource, ran.map((m) => m.name));
        const galera = await isGalera(dataSource);
        if (galera) {
          const violations = await galeraSchemaViolations(dataSource);
          if (violations.length) throw new Error(`this database is a Galera node, and ${violations.join('; ')}`);
          enableCausalReads(dataSource);
        }
        if (url !== undefined && (several || galera)) await MysqlHosts.start(dataSource, url);
        return dataSource;
      },
    }),
  ],
  providers: [Db, SqliteCheckpointer],
  exports: [Db],
})
export class DatabaseModule {}
