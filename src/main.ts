import 'reflect-metadata';
import { loadEnvFile } from './config/load-env-file';
import { ConfigError, loadConfig } from './config/env.validation';
import { AppConfig } from './config/app-config';
import { mysqlHostList, mysqlHosts, mysqlUrlFor } from './config/mysql-url';
import { createApp } from './app.factory';
import { AppLogger } from './logging/app-logger';
import { describeStartupError } from './database/startup-error';
import { ShutdownState } from './health/shutdown-state';
import { MetricsServer } from './metrics-http/metrics-server';
import { Db } from './database/db';
import { migrationsRanAtStart } from './database/database.module';
import { JanitorService } from './janitor/janitor.service';
import { SigningKeyUndecryptableError, rotationOverlapWarning } from './keys/signing-keys.service';

/** The database as an operator names it: type and host/database, never the password. */
function databaseLabel(config: AppConfig): string {
  if (config.database.type === 'sqlite') return `sqlite ${config.database.path}`;
  const url = new URL(mysqlUrlFor(config.database.url, mysqlHosts(config.database.url)[0]));
  return `mysql ${mysqlHostList(config.database.url)}${url.pathname} (pool ${config.database.poolSize})`;
}

async function bootstrap(): Promise<void> {
  loadEnvFile();
  let config: AppConfig;
  try {
    config = loadConfig(process.env, { keepGeneratedSecrets: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gatehouse: configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  let app;
  try {
    app = await createApp(config);
  } catch (err) {
    // One line an operator can act on, no stack trace (the common causes are named).
    const reason = err instanceof SigningKeyUndecryptableError ? err.message : describeStartupError(err, config);
    console.error(`gatehouse: failed to start: ${reason}`);
    process.exit(1);
  }
  const log = app.get(AppLogger).child({ log: 'server' });
  const db = app.get(Db);
  const ran = migrationsRanAtStart(db.dataSource);
  log.info(
    { database: databaseLabel(config), migrations_ran: ran },
    `database ${databaseLabel(config)}: ${ran.length ? `ran ${ran.length} migration(s): ${ran.join(', ')}` : 'schema up to date, no migration to run'}`,
  );

  await app.listen(config.port, config.host);
  const origin = (await app.getUrl()).replace('[::1]', 'localhost');
  log.info({ url: origin, issuer: config.issuer, node_env: config.nodeEnv }, `listening on ${origin} (issuer ${config.issuer})`);
  if (config.docsEnabled) log.info({ docs: `${origin}/docs` }, `admin API docs: ${origin}/docs`);
  const metrics = app.get(MetricsServer);
  if (config.metricsPort !== null) {
    const port = await metrics.listen(config.metricsPort, config.host);
    log.info({ metrics_port: port }, `metrics on http://${config.host}:${port}/metrics`);
  }
  if (config.purgeInterval > 0) {
    app.get(JanitorService).schedule(config.purgeInterval);
    log.info({ purge_interval: config.purgeInterval }, `purging expired rows every ${config.purgeInterval} s`);
  }
  for (const warning of config.startupWarnings) {
    log.warn({ warning: 'configuration' }, warning);
    console.error(`gatehouse: WARNING: ${warning}`);
  }
  const overlapWarning = rotationOverlapWarning(config.keyRotationOverlap);
  if (overlapWarning) log.warn({ key_rotation_overlap: config.keyRotationOverlap }, overlapWarning);
  if (config.adminApiKeyGenerated) {
    // Development only (production requires ADMIN_API_KEY).
    log.warn(
      config.secretsFile
        ? `ADMIN_API_KEY was not set; using the generated one kept in ${config.secretsFile}: ${config.adminApiKey}`
        : `ADMIN_API_KEY was not set; generated for this run: ${config.adminApiKey}`,
    );
  }

  const shutdownState = app.get(ShutdownState);
  let endDrain: (() => void) | null = null;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shutdownState.shuttingDown) {
      // A second signal: stop draining and close now.
      endDrain?.();
      return;
    }
    // 1. Drain: readiness answers 503 so the load balancer takes this instance out, while every
    //    request that still comes is served (with Connection: close, so keep-alive connections end
    //    after their response, never in the middle of one).
    shutdownState.begin();
    const drain = config.shutdownDrainSeconds;
    log.info({ signal, drain_s: drain, timeout_s: config.shutdownTimeout }, `${signal}: shutting down`);
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drain * 1000);
      endDrain = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      // 2. Close: the listener stops accepting, idle connections close, in-flight requests finish
      //    (each waits for its token row to commit), queued audit events are written, the pool closes.
      if (drain > 0) log.info({ drain_s: drain }, 'drained: closing the listener');
      setTimeout(() => {
        log.error({ timeout_s: config.shutdownTimeout }, 'shutdown timed out: exiting with work unfinished');
        process.exit(1);
      }, config.shutdownTimeout * 1000).unref();
      app.close().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          log.error({ error: (err as Error).message }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

bootstrap().catch((err) => {
  console.error(`gatehouse: failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  process.exit(1);
});
