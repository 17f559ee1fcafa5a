import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { Db } from './db';
import { galeraSchemaViolations, isGalera } from './galera';
import { withMigrationLease } from './migration-lease';
import { SqliteCheckpointer } from './sqlite-checkpointer';

const ranAtStart = new WeakMap<DataSource, string[]>();

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
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config.database), retryAttempts: 0 }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        // Instances starting together take turns; the later ones find nothing left to run.
        const ran = await withMigrationLease(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
        ranAtStart.set(dataSource, ran.map((m) => m.name));
        if (await isGalera(dataSource)) {
          const violations = await galeraSchemaViolations(dataSource);
          if (violations.length) throw new Error(`this database is a Galera node, and ${violations.join('; ')}`);
        }
        return dataSource;
      },
    }),
  ],
  providers: [Db, SqliteCheckpointer],
  exports: [Db],
})
export class DatabaseModule {}
