/** Typed configuration. Built once from the environment by `loadConfig` (env.validation.ts). */
export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; url: string; poolSize: number };

export interface Argon2Config {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

export class AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** RFC 8414 §2 issuer: an https URL (http allowed for loopback), no query or fragment. */
  issuer: string;
  database: DatabaseConfig;
  adminApiKey: string;
  /** True when the admin key was generated at start (development only): main.ts prints it once. */
  adminApiKeyGenerated: boolean;
  /** Secret that signs the sign-in session and pending-request cookies. */
  cookieSecret: string;
  accessTokenTtl: number;
  authorizationCodeTtl: number;
  refreshTokenTtlFactor: number;
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

  get secureCookies(): boolean {
    return this.issuer.startsWith('https:');
  }
}
