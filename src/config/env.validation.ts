import { randomBytes } from 'node:crypto';
import { AppConfig, DatabaseConfig, RegistrationConfig } from './app-config';
import { mysqlHosts, mysqlUrlFor } from './mysql-url';
import { SCOPES_SUPPORTED } from '../common/oauth-types';
import { LocalSecrets, localSecretsPath, readLocalSecrets, readOrCreateLocalSecrets } from './local-secrets';

/** One bad setting: the server prints this single line and stops. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function database(env: Env): DatabaseConfig {
  const raw = env.DATABASE_URL?.trim() || 'sqlite:data/gatehouse.sqlite';
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/gatehouse.sqlite');
    return { type: 'sqlite', path };
  }
  if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
    // Several hosts (h1:3306,h2:3306/db) are the nodes of one cluster: each must make a valid URL.
    const hosts = mysqlHosts(raw);
    try {
      if (hosts.length === 0) throw new Error('no host');
      for (const host of hosts) {
        if (!host.host || !Number.isInteger(host.port) || host.port < 1 || host.port > 65535) throw new Error('bad host');
        new URL(mysqlUrlFor(raw, host));
      }
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid mysql:// URL');
    }
    return { type: 'mysql', url: raw.replace(/^mariadb:/, 'mysql:'), poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000) };
  }
  throw new ConfigError('DATABASE_URL must start with mysql:// or sqlite:');
}

/** 127.0.0.0/8, [::1] and localhost: an http issuer there never crosses a network. */
function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function issuer(env: Env, host: string, port: number, production: boolean): string {
  const raw = env.ISSUER?.trim();
  const fallback = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let url: URL;
  try {
    url = new URL(raw || fallback);
  } catch {
    throw new ConfigError(`ISSUER must be an absolute URL, got "${raw || fallback}"`);
  }
  // RFC 8414 §2: https, no query, no fragment.
  if (url.search || url.hash) throw new ConfigError('ISSUER must not have a query or fragment');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('ISSUER must be an https URL');
  // RFC 9700 §4.11 and RFC 8414 §2: over plain http cookies lose Secure and there is no HSTS.
  if (production && url.protocol === 'http:' && !isLoopbackHostname(url.hostname)) {
    throw new ConfigError(
      raw
        ? `ISSUER must be an https URL when NODE_ENV=production (http only on a loopback host), got "${raw}"`
        : `ISSUER is required when NODE_ENV=production: set it to the server's public https URL (the default ${fallback} is plain http)`,
    );
  }
  return (raw || fallback).replace(/\/+$/, '');
}

export interface LoadConfigOptions {
  /**
   * Outside production, keep generated secrets in a file beside the SQLite database (see
   * local-secrets.ts) instead of new ones each run. The server and the CLI do; tests and unit specs don't.
   */
  keepGeneratedSecrets?: boolean;
}

/**
 * ADMIN_API_KEY, COOKIE_SECRET and KEY_ENCRYPTION_SECRET. Production needs all three and names
 * every missing one in one message. Elsewhere an unset one is generated: kept in the local secrets
 * file when asked (so restarts and the CLI agree), else new for this run.
 */
function secrets(env: Env, config: AppConfig, options: LoadConfigOptions): void {
  const adminKey = env.ADMIN_API_KEY?.trim();
  const cookieSecret = env.COOKIE_SECRET?.trim();
  const keySecret = env.KEY_ENCRYPTION_SECRET?.trim();
  if (adminKey && adminKey.length < 16) throw new ConfigError('ADMIN_API_KEY must be at least 16 characters');
  if (cookieSecret && cookieSecret.length < 32) throw new ConfigError('COOKIE_SECRET must be at least 32 characters');
  if (keySecret && keySecret.length < 32) throw new ConfigError('KEY_ENCRYPTION_SECRET must be at least 32 characters');
  const previous = env.KEY_ENCRYPTION_SECRET_PREVIOUS?.trim();
  if (previous && previous.length < 32) throw new ConfigError('KEY_ENCRYPTION_SECRET_PREVIOUS must be at least 32 characters');

  if (config.nodeEnv === 'production') {
    const missing = [
      ['ADMIN_API_KEY', adminKey],
      ['COOKIE_SECRET', cookieSecret],
      ['KEY_ENCRYPTION_SECRET', keySecret],
    ].filter(([, value]) => !value).map(([name]) => name);
    if (missing.length) {
      throw new ConfigError(
        `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required when NODE_ENV=production` +
          ' (COOKIE_SECRET and KEY_ENCRYPTION_SECRET the same on every instance; e.g. openssl rand -base64 32)',
      );
    }
  }

  config.secretsFile = null;
  const path = options.keepGeneratedSecrets && config.nodeEnv !== 'production' ? localSecretsPath(config.database) : null;
  let file: LocalSecrets | null = null;
  if (path && !(adminKey && cookieSecret && keySecret)) {
    try {
      file = readOrCreateLocalSecrets(path);
    } catch (err) {
      throw new ConfigError(`cannot keep the generated secrets in ${path}: ${(err as Error).message}`);
    }
    config.secretsFile = path;
  }
  const generated = () => randomBytes(32).toString('base64url');

  config.adminApiKey = adminKey || file?.admin_api_key || generated();
  config.adminApiKeyGenerated = !adminKey;
  config.cookieSecret = cookieSecret || file?.cookie_secret || generated();
  // With no file (tests, or not asked), the cookie secret: instances given one COOKIE_SECRET agree.
  config.keyEncryptionSecret = keySecret || file?.key_encryption_secret || config.cookieSecret;
  config.keyEncryptionSecretSource = keySecret ? 'KEY_ENCRYPTION_SECRET' : file ? path! : cookieSecret ? 'COOKIE_SECRET' : 'generated for this run';

  // Secrets the signing keys may still be encrypted under: they are re-encrypted under the current
  // one at start. The local file's (moving to an explicit secret) and COOKIE_SECRET (what keys
  // were encrypted under outside production before the file existed).
  const candidates = [previous, path && keySecret ? readLocalSecretsQuietly(path)?.key_encryption_secret : undefined, config.nodeEnv !== 'production' ? cookieSecret : undefined];
  config.previousKeyEncryptionSecrets = [...new Set(candidates.filter((s): s is string => !!s && s !== config.keyEncryptionSecret))];
}

function readLocalSecretsQuietly(path: string): LocalSecrets | null {
  try {
    return readLocalSecrets(path);
  } catch {
    return null;
  }
}

/** Reads and validates every setting. Throws ConfigError naming the first bad one. */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): AppConfig {
  const config = new AppConfig();
  config.nodeEnv = oneOf(env, 'NODE_ENV', 'development', ['development', 'production', 'test'] as const);
  config.port = int(env, 'PORT', 3000, 0, 65535);
  config.host = env.HOST?.trim() || '127.0.0.1';
  // Unset NODE_ENV means development: generated secrets, open docs and metrics. Fine on a laptop,
  // not on an address others can reach.
  if (!env.NODE_ENV?.trim() && !isLoopbackHostname(config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host)) {
    config.startupWarnings.push(
      `NODE_ENV is not set, so this server runs with DEVELOPMENT defaults (generated secrets, public /docs and /metrics) while listening on ${config.host}, which is not a loopback address. Set NODE_ENV=production for a deployment.`,
    );
  }
  config.issuer = issuer(env, config.host, config.port, config.nodeEnv === 'production');
  config.database = database(env);

  secrets(env, config, options);

  config.accessTokenTtl = int(env, 'ACCESS_TOKEN_TTL', 3600, 1, 31_536_000);
  // RFC 6749 §4.1.2: a maximum authorization code lifetime of 10 minutes is RECOMMENDED; we enforce it.
  config.authorizationCodeTtl = int(env, 'AUTHORIZATION_CODE_TTL', 60, 1, 600);
  config.refreshTokenTtlFactor = int(env, 'REFRESH_TOKEN_TTL_FACTOR', 2, 1, 1000);
  config.refreshReuseGrace = int(env, 'REFRESH_REUSE_GRACE', 5, 0, 300);
  config.sessionTtl = int(env, 'SESSION_TTL', 8 * 3600, 60, 31_536_000);
  config.pkceRequired = bool(env, 'PKCE_REQUIRED', false);
  // RFC 9700 §2.1.1, §2.1.2, §2.4: S256 only, no implicit, no password grant unless the operator opts in.
  config.pkceAllowPlain = bool(env, 'PKCE_ALLOW_PLAIN', false);
  config.implicitEnabled = bool(env, 'IMPLICIT_ENABLED', false);
  config.passwordGrantEnabled = bool(env, 'PASSWORD_GRANT_ENABLED', false);
  // The admin API's documentation shows every route and field: public outside production only.
  config.docsEnabled = bool(env, 'DOCS_ENABLED', config.nodeEnv !== 'production');
  config.signupEnabled = bool(env, 'SIGNUP_ENABLED', false);
  config.allowLoopbackHttpRedirects = bool(env, 'ALLOW_HTTP_LOOPBACK_REDIRECTS', true);
  config.argon2 = {
    memoryCost: int(env, 'ARGON2_MEMORY_KIB', 19_456, 1024, 4_194_304),
    timeCost: int(env, 'ARGON2_TIME_COST', 2, 1, 100),
    parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1, 64),
  };
  config.logLevel = oneOf(env, 'LOG_LEVEL', 'info', ['silent', 'error', 'warn', 'info', 'debug'] as const);
  config.redisUrl = redisUrl(env);
  config.redisPrefix = env.REDIS_PREFIX?.trim() || 'gatehouse:';
  config.redisCommandTimeout = int(env, 'REDIS_COMMAND_TIMEOUT', 500, 50, 60_000);
  // Pretty output is for a person at a terminal; files and log shippers get one JSON object a line.
  const prettyByDefault = config.nodeEnv === 'development' && process.stdout.isTTY === true;
  config.logFormat = oneOf(env, 'LOG_FORMAT', prettyByDefault ? 'pretty' : 'json', ['json', 'pretty'] as const);
  config.trustProxy = trustProxy(env);
  config.shutdownTimeout = int(env, 'SHUTDOWN_TIMEOUT', 10, 1, 3600);
  // Long enough for a balancer polling /health/ready (HAProxy: fall 2 × inter 1s, plus a check in
  // flight) to take the instance out before it stops accepting; nothing polls outside production.
  config.shutdownDrainSeconds = int(env, 'SHUTDOWN_DRAIN_SECONDS', config.nodeEnv === 'production' ? 5 : 0, 0, 300);
  config.metricsPort = env.METRICS_PORT?.trim() ? int(env, 'METRICS_PORT', 0, 0, 65535) : null;
  config.metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (config.metricsToken !== null && config.metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  config.auditRetentionDays = int(env, 'AUDIT_RETENTION_DAYS', 90, 1, 36_500);
  config.purgeInterval = int(env, 'PURGE_INTERVAL', 0, 0, 31_536_000);
  config.purgeRevokedGrace = int(env, 'PURGE_REVOKED_GRACE', 86_400, 0, 31_536_000);
  config.throttle = throttle(env);

  config.keyRotationOverlap = int(env, 'KEY_ROTATION_OVERLAP', 3600, 0, 31_536_000);
  config.idTokenTtl = int(env, 'ID_TOKEN_TTL', 3600, 1, 86_400);
  config.resourceAudience = env.RESOURCE_AUDIENCE?.trim() || '';
  // With Redis, changes reach every instance at once and the TTL is only a backstop.
  config.clientCacheTtl = int(env, 'CLIENT_CACHE_TTL', config.redisUrl ? 300 : 5, 0, 86_400);
  config.registration = registration(env);
  config.deviceGrantEnabled = bool(env, 'DEVICE_GRANT_ENABLED', true);
  // RFC 8628 §6.1: a user code must expire; 30 minutes is the longest we let one be guessed at.
  config.deviceCodeTtl = int(env, 'DEVICE_CODE_TTL', 600, 60, 1800);
  config.deviceCodeInterval = int(env, 'DEVICE_CODE_INTERVAL', 5, 1, 60);
  config.parRequired = bool(env, 'PAR_REQUIRED', false);
  config.jwksUriAllowLoopback = bool(env, 'JWKS_URI_ALLOW_LOOPBACK', false);
  config.dpopEnabled = bool(env, 'DPOP_ENABLED', true);
  config.dpopNonce = bool(env, 'DPOP_NONCE', false);
  if (config.jwksUriAllowLoopback && config.nodeEnv === 'production') throw new ConfigError('JWKS_URI_ALLOW_LOOPBACK is for development and tests; it cannot be on when NODE_ENV=production');
  return config;
}

/**
 * Fastify's trustProxy: false (default: the peer address is the client), true (trust every hop),
 * a hop count, or a comma-separated list of proxy addresses/CIDRs.
 */
function trustProxy(env: Env): boolean | number | string {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw) return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const lower = raw.toLowerCase();
  if (['true', 'false'].includes(lower)) return lower === 'true';
  if (!/^[0-9a-fA-F.:/, ]+$/.test(raw)) throw new ConfigError(`TRUST_PROXY must be true, false, a hop count or a list of addresses, got "${raw}"`);
  return raw;
}

function throttle(env: Env): AppConfig['throttle'] {
  const settings = {
    enabled: bool(env, 'THROTTLE_ENABLED', true),
    accountIpFailures: int(env, 'THROTTLE_ACCOUNT_IP_FAILURES', 5, 1, 1000),
    accountIpWindow: int(env, 'THROTTLE_ACCOUNT_IP_WINDOW', 43_200, 1, 31_536_000),
    accountFailures: int(env, 'THROTTLE_ACCOUNT_FAILURES', 30, 1, 100_000),
    ipFailures: int(env, 'THROTTLE_IP_FAILURES', 20, 1, 100_000),
    window: int(env, 'THROTTLE_WINDOW', 900, 1, 31_536_000),
    lockSeconds: int(env, 'THROTTLE_LOCK_SECONDS', 60, 1, 86_400),
    maxLockSeconds: int(env, 'THROTTLE_MAX_LOCK_SECONDS', 900, 1, 86_400),
    accountMaxLockSeconds: int(env, 'THROTTLE_ACCOUNT_MAX_LOCK_SECONDS', 300, 1, 86_400),
    deviceCookieTtl: int(env, 'DEVICE_COOKIE_TTL', 15_552_000, 60, 63_072_000),
  };
  if (settings.maxLockSeconds < settings.lockSeconds) throw new ConfigError('THROTTLE_MAX_LOCK_SECONDS must be at least THROTTLE_LOCK_SECONDS');
  if (settings.accountMaxLockSeconds < settings.lockSeconds) throw new ConfigError('THROTTLE_ACCOUNT_MAX_LOCK_SECONDS must be at least THROTTLE_LOCK_SECONDS');
  if (settings.accountFailures < settings.accountIpFailures) {
    throw new ConfigError('THROTTLE_ACCOUNT_FAILURES (every IP) must be at least THROTTLE_ACCOUNT_IP_FAILURES (one IP)');
  }
  return settings;
}

function registration(env: Env): RegistrationConfig {
  const scopes = [...new Set((env.REGISTRATION_SCOPES ?? 'openid profile email').split(/\s+/).filter(Boolean))];
  const unknown = scopes.find((s) => !SCOPES_SUPPORTED.includes(s));
  if (unknown !== undefined) throw new ConfigError(`REGISTRATION_SCOPES: unknown scope "${unknown}" (known: ${SCOPES_SUPPORTED.join(' ')})`);
  if (scopes.length === 0) throw new ConfigError('REGISTRATION_SCOPES must name at least one scope');
  return {
    mode: oneOf(env, 'REGISTRATION', 'closed', ['closed', 'token', 'open'] as const),
    scopes,
    idleDays: int(env, 'REGISTRATION_IDLE_DAYS', 30, 1, 36_500),
    maxClients: int(env, 'REGISTRATION_MAX_CLIENTS', 10_000, 1, 10_000_000),
    ratePerIp: int(env, 'REGISTRATION_RATE_LIMIT', 30, 1, 1_000_000),
    rateWindow: int(env, 'REGISTRATION_RATE_WINDOW', 3600, 1, 86_400),
    metadataDocuments: bool(env, 'CLIENT_ID_METADATA_DOCUMENTS', true),
    metadataAllowLoopback: bool(env, 'CLIENT_ID_METADATA_ALLOW_LOOPBACK', false),
  };
}

function redisUrl(env: Env): string | null {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return null;
  if (!/^rediss?:\/\//.test(raw)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  try {
    new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL');
  }
  return raw;
}
