import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvFile } from './src/config/load-env-file';
import { loadConfig } from './src/config/env.validation';
import { dataSourceOptions } from './src/database/data-source-options';

/** The DataSource the TypeORM CLI uses (`npm run migration:run`), with the server's own options. */
loadEnvFile();
export default new DataSource(dataSourceOptions(loadConfig().database));
