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
  /** The longest lock of the account-wide counter (every IP together): what an attacker can hold against an account. */
  accountMaxLockSeconds: number;
  /** Lifetime of the known-device cookie a sign-in sets (OWASP device cookies). */
  deviceCookieTtl: number;
}

/** Clients that register themselves (RFC 7591/7592) and clients named by a metadata document URL. */
export interface RegistrationConfig {
  /** `closed`: no registration endpoint; `token`: an initial access token is needed; `open`: anyone. */
  mode: 'closed' | 'token' | 'open';
  /** The scopes a self-registered client may hold. */
  scopes: string[];
  /** Self-registered clients with no token for this many days are removed by the janitor. */
  idleDays: number;
  /** Live self-registered clients at most; past it, registration answers 503 until the janitor frees room. */
  maxClients: number;
  /** Registrations one IP may make per `rateWindow` seconds (open and token modes; off with THROTTLE_ENABLED=false). */
  ratePerIp: number;
  rateWindow: number;
  /** Client ID Metadata Documents: an https URL as client_id is fetched and used as the client's metadata. */
  metadataDocuments: boolean;
  /** Development and tests: metadata documents may be served over http from loopback addresses. */
  metadataAllowLoopback: boolean;
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
  /** Milliseconds any Redis command may take before it fails (a hung Redis must not hang requests). */
  redisCommandTimeout: number;
  /** One JSON object per line, or pino-pretty for a terminal. */
  logFormat: 'json' | 'pretty';
  /** Fastify's trustProxy: whether X-Forwarded-For/-Proto from a proxy in front are believed. */
  trustProxy: boolean | number | string;
  /** Seconds a SIGTERM waits for in-flight requests and queued writes before the process exits. */
  shutdownTimeout: number;
  /**
   * Seconds between SIGTERM and closing the listener: readiness answers 503 meanwhile and every
   * request is still served (each response with `Connection: close`), so a load balancer sees the
   * instance leave before any connection is refused.
   */
  shutdownDrainSeconds: number;
  /** Serve /metrics on this port instead of the main one; null = on the main port. */
  metricsPort: number | null;
  /** With it, GET /metrics on the main port needs `Authorization: Bearer <token>`; in production without it (and without metricsPort) it is not served. */
  metricsToken: string | null;
  /** Things an operator must hear about at start (e.g. NODE_ENV unset on a public address); main.ts logs each at warn. */
  startupWarnings: string[] = [];
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
  registration: RegistrationConfig;
  /** RFC 8628: serve the device authorization grant (endpoint, /device page, grant type). */
  deviceGrantEnabled: boolean;
  /** Seconds a device code and its user code live (RFC 8628 §3.2 expires_in). */
  deviceCodeTtl: number;
  /** Seconds a client must wait between two polls at first (RFC 8628 §3.2 interval). */
  deviceCodeInterval: number;
  /** RFC 9126 §5: every authorization request must be pushed first (FAPI 2.0). */
  parRequired: boolean;
  /** Let clients' jwks_uri be http on a loopback address (development and tests only). */
  jwksUriAllowLoopback: boolean;
  /** RFC 9449: accept DPoP proofs and issue DPoP-bound tokens. */
  dpopEnabled: boolean;
  /** RFC 9449 §8: require server-provided nonces in DPoP proofs. */
  dpopNonce: boolean;

  get secureCookies(): boolean {
    return this.issuer.startsWith('https:');
  }
}
