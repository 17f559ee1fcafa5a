/** Typed configuration. Built once from the environment by `loadConfig` (env.validation.ts). */
export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; url: string; poolSize: number };

export interface Argon2Config {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

/** Brute-force protection (see ThrottleService); seconds unless named otherwise. */
export interface ThrottleConfig {
  enabled: boolean;
  /** Failures of one account from one IP before it locks there. */
  accountIpFailures: number;
  /** How long those failures are remembered, from the first. */
  accountIpWindow: number;
  /** Failures of one account from every IP within `window` before it locks everywhere. */
  accountFailures: number;
  /** Failures from one IP over every account within `window`. */
  ipFailures: number;
  window: number;
  /** The first lock; each further failure doubles it. */
  lockSeconds: number;
  maxLockSeconds: number;
}

export class AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** RFC 8414 §2 issuer: an https URL (http allowed for loopback), no query or fragment. */
  issuer: string;
  database: DatabaseConfig;
  adminApiKey: string;
  /** True when ADMIN_API_KEY was not set and the key was generated (never in production): main.ts prints it. */
  adminApiKeyGenerated: boolean;
  /** Outside production: the file the generated secrets are kept in (beside the SQLite file); null if none is used. */
  secretsFile: string | null;
  /** Secret that signs the sign-in session and pending-request cookies. */
  cookieSecret: string;
  accessTokenTtl: number;
  authorizationCodeTtl: number;
  refreshTokenTtlFactor: number;
  /** Seconds a rotated refresh token may be presented again by its client for a sibling pair (0: strict rotation). */
  refreshReuseGrace: number;
  sessionTtl: number;
  pkceRequired: boolean;
  pkceAllowPlain: boolean;
  implicitEnabled: boolean;
  passwordGrantEnabled: boolean;
  signupEnabled: boolean;
  /** Serve Swagger UI at /docs and the OpenAPI document at /docs-json. */
  docsEnabled: boolean;
  /** Allow http redirect URIs on loopback hosts and `localhost` (RFC 8252 §7.3). */
  allowLoopbackHttpRedirects: boolean;
  argon2: Argon2Config;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** Redis shared by every instance (counters, cache invalidation); unset = the database only. */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /** One JSON object per line, or pino-pretty for a terminal. */
  logFormat: 'json' | 'pretty';
  /** Fastify's trustProxy: whether X-Forwarded-For/-Proto from a proxy in front are believed. */
  trustProxy: boolean | number | string;
  /** Seconds a SIGTERM waits for in-flight requests and queued writes before the process exits. */
  shutdownTimeout: number;
  /** Serve /metrics on this port instead of the main one; null = on the main port. */
  metricsPort: number | null;
  /** Audit events older than this many days are deleted by the purge. */
  auditRetentionDays: number;
  /** Seconds between purges run by the server itself; 0 = never (run `db:purge` from cron). */
  purgeInterval: number;
  /** Revoked tokens are kept this many seconds before the purge deletes them. */
  purgeRevokedGrace: number;
  throttle: ThrottleConfig;
  /** Secret the signing keys' private halves are encrypted under (AES-256-GCM, key derived by HKDF). */
  keyEncryptionSecret: string;
  /** Where keyEncryptionSecret comes from, for messages: "KEY_ENCRYPTION_SECRET", the secrets file's path, or "generated for this run". */
  keyEncryptionSecretSource: string;
  /** Secrets signing keys may still be encrypted under (KEY_ENCRYPTION_SECRET_PREVIOUS, ...): re-encrypted under the current one at start. */
  previousKeyEncryptionSecrets: string[];
  /** Seconds a new signing key is published before it signs (and the old one still signs). */
  keyRotationOverlap: number;
  /** Lifetime of an ID token, in seconds. */
  idTokenTtl: number;
  /** `aud` of JWT access tokens (RFC 9068 §3): the resource server; empty means the issuer. */
  resourceAudience: string;
  /**
   * Seconds a client read from the database may be served from memory (0: never). Changes made by
   * this instance, or by any instance sharing Redis, take effect at once regardless.
   */
  clientCacheTtl: number;

  get secureCookies(): boolean {
    return this.issuer.startsWith('https:');
  }
}
