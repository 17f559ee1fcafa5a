import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadEnvFile } from './config/load-env-file';
import { ConfigError, loadConfig } from './config/env.validation';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gatehouse: configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Gatehouse');
  const origin = (await app.getUrl()).replace('[::1]', 'localhost');
  logger.log(`listening on ${origin} (issuer ${config.issuer}, database ${config.database.type})`);
  if (config.docsEnabled) logger.log(`admin API docs: ${origin}/docs`);
  if (config.adminApiKeyGenerated) {
    // Development only (production requires ADMIN_API_KEY); printed once, never stored.
    logger.warn(`ADMIN_API_KEY was not set; generated for this run: ${config.adminApiKey}`);
  }
}

bootstrap().catch((err) => {
  console.error(`gatehouse: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
