import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './env.validation';

const HOW = ' (COOKIE_SECRET and KEY_ENCRYPTION_SECRET the same on every instance; e.g. openssl rand -base64 32)';

/** The message of the ConfigError that `env` causes. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://127.0.0.1:3000',
      database: { type: 'sqlite', path: 'data/gatehouse.sqlite' },
      adminApiKeyGenerated: true,
      accessTokenTtl: 3600,
      authorizationCodeTtl: 60,
      refreshTokenTtlFactor: 2,
      pkceRequired: false,
      pkceAllowPlain: false,
      implicitEnabled: false,
      passwordGrantEnabled: false,
      docsEnabled: true,
      allowLoopbackHttpRedirects: true,
      logLevel: 'info',
    });
    expect(config.adminApiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(config.secureCookies).toBe(false);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      ISSUER: 'https://auth.example.com/',
      DATABASE_URL: 'mariadb://u:p@db:3306/gatehouse',
      DATABASE_POOL_SIZE: '5',
      ADMIN_API_KEY: 'k'.repeat(16),
      COOKIE_SECRET: 'c'.repeat(32),
      KEY_ENCRYPTION_SECRET: 'e'.repeat(32),
      KEY_ROTATION_OVERLAP: '600',
      ID_TOKEN_TTL: '900',
      RESOURCE_AUDIENCE: 'https://api.example.com',
      ACCESS_TOKEN_TTL: '300',
      AUTHORIZATION_CODE_TTL: '600',
      REFRESH_TOKEN_TTL_FACTOR: '4',
      PKCE_REQUIRED: 'yes',
      PKCE_ALLOW_PLAIN: 'true',
      IMPLICIT_ENABLED: '1',
      PASSWORD_GRANT_ENABLED: 'on',
      DOCS_ENABLED: 'yes',
      LOG_LEVEL: 'silent',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '0.0.0.0',
      issuer: 'https://auth.example.com',
      database: { type: 'mysql', url: 'mysql://u:p@db:3306/gatehouse', poolSize: 5 },
      adminApiKey: 'k'.repeat(16),
      adminApiKeyGenerated: false,
      cookieSecret: 'c'.repeat(32),
      keyEncryptionSecret: 'e'.repeat(32),
      keyRotationOverlap: 600,
      idTokenTtl: 900,
      resourceAudience: 'https://api.example.com',
      accessTokenTtl: 300,
      authorizationCodeTtl: 600,
      refreshTokenTtlFactor: 4,
      pkceRequired: true,
      pkceAllowPlain: true,
      implicitEnabled: true,
      passwordGrantEnabled: true,
      docsEnabled: true,
      logLevel: 'silent',
    });
    expect(config.secureCookies).toBe(true);
  });

  it('outside production without a secrets file, encrypts signing keys under COOKIE_SECRET when KEY_ENCRYPTION_SECRET is unset', () => {
    const config = loadConfig({ COOKIE_SECRET: 'c'.repeat(32) });
    expect(config).toMatchObject({ keyEncryptionSecret: 'c'.repeat(32), keyEncryptionSecretSource: 'COOKIE_SECRET', previousKeyEncryptionSecrets: [], secretsFile: null, keyRotationOverlap: 3600, idTokenTtl: 3600, resourceAudience: '' });
    expect(loadConfig({}).keyEncryptionSecretSource).toBe('generated for this run');
    expect(loadConfig({ KEY_ENCRYPTION_SECRET_PREVIOUS: 'p'.repeat(32), KEY_ENCRYPTION_SECRET: 'e'.repeat(32) }).previousKeyEncryptionSecrets).toEqual(['p'.repeat(32)]);
  });

  it('keeps generated secrets in one 0600 file beside the SQLite database, created once and read by every later start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-secrets-'));
    try {
      const env = { DATABASE_URL: `sqlite:${join(dir, 'sub', 'g.sqlite')}` };
      const first = loadConfig(env, { keepGeneratedSecrets: true });
      const file = join(dir, 'sub', 'gatehouse-secrets.json');
      expect(first.secretsFile).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const again = loadConfig(env, { keepGeneratedSecrets: true });
      expect([again.adminApiKey, again.cookieSecret, again.keyEncryptionSecret]).toEqual([first.adminApiKey, first.cookieSecret, first.keyEncryptionSecret]);
      expect(again.keyEncryptionSecretSource).toBe(file);
      expect(new Set([first.adminApiKey, first.cookieSecret, first.keyEncryptionSecret]).size).toBe(3);
      // What is set wins; the file's key secret stays a way to open keys made under it.
      const explicit = loadConfig({ ...env, KEY_ENCRYPTION_SECRET: 'e'.repeat(32) }, { keepGeneratedSecrets: true });
      expect(explicit).toMatchObject({ keyEncryptionSecret: 'e'.repeat(32), keyEncryptionSecretSource: 'KEY_ENCRYPTION_SECRET', previousKeyEncryptionSecrets: [first.keyEncryptionSecret], adminApiKey: first.adminApiKey });
      // Not in production, not for :memory:, not unless asked.
      expect(loadConfig({ ...production, DATABASE_URL: env.DATABASE_URL }, { keepGeneratedSecrets: true }).secretsFile).toBeNull();
      expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, { keepGeneratedSecrets: true }).secretsFile).toBeNull();
      expect(loadConfig(env).adminApiKey).not.toBe(first.adminApiKey);
      writeFileSync(file, '{"admin_api_key":1}');
      expect(() => loadConfig(env, { keepGeneratedSecrets: true })).toThrow(`cannot keep the generated secrets in ${file}: ${file} has no valid "admin_api_key"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a sqlite path, with or without //', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ type: 'sqlite', path: '/tmp/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'sqlite://data/x.sqlite' }).database).toEqual({ type: 'sqlite', path: 'data/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ type: 'sqlite', path: ':memory:' });
  });

  it('accepts several MySQL hosts (a cluster), each a valid URL', () => {
    const url = 'mysql://u:p@h1:3306,h2:3307,[::1]/gatehouse';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ type: 'mysql', url, poolSize: 10 });
  });

  const production = { NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(16), COOKIE_SECRET: 'c'.repeat(32), KEY_ENCRYPTION_SECRET: 'e'.repeat(32) };

  it('hides the API documentation in production unless DOCS_ENABLED=true', () => {
    expect(loadConfig(production).docsEnabled).toBe(false);
    expect(loadConfig({ ...production, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
  });

  it.each(['http://127.0.0.1:3000', 'http://127.8.9.10', 'http://[::1]:8080', 'http://localhost:3000', 'https://auth.example.com'])(
    'accepts the issuer %s in production',
    (issuer) => {
      expect(loadConfig({ ...production, ISSUER: issuer }).issuer).toBe(issuer);
    },
  );

  it.each([
    [{ ISSUER: 'http://auth.example.com' }, 'ISSUER must be an https URL when NODE_ENV=production (http only on a loopback host), got "http://auth.example.com"'],
    [{ ISSUER: 'http://10.0.0.5:3000' }, 'ISSUER must be an https URL when NODE_ENV=production (http only on a loopback host), got "http://10.0.0.5:3000"'],
    [{ ISSUER: 'http://127.0.0.1.example.com' }, 'ISSUER must be an https URL when NODE_ENV=production (http only on a loopback host), got "http://127.0.0.1.example.com"'],
    [{ HOST: '0.0.0.0' }, "ISSUER is required when NODE_ENV=production: set it to the server's public https URL (the default http://0.0.0.0:3000 is plain http)"],
  ])('refuses %j in production with one line', (env, message) => {
    expect(refusal({ ...production, ...env })).toBe(message);
  });

  it('brackets an IPv6 host in the default issuer', () => {
    expect(loadConfig({ HOST: '::1', PORT: '4000' }).issuer).toBe('http://[::1]:4000');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535, got 70000'],
    [{ PORT: '-1' }, 'PORT must be an integer, got "-1"'],
    [{ ACCESS_TOKEN_TTL: '0' }, 'ACCESS_TOKEN_TTL must be between 1 and 31536000, got 0'],
    [{ ACCESS_TOKEN_TTL: '1.5' }, 'ACCESS_TOKEN_TTL must be an integer, got "1.5"'],
    [{ AUTHORIZATION_CODE_TTL: '601' }, 'AUTHORIZATION_CODE_TTL must be between 1 and 600, got 601'],
    [{ REFRESH_TOKEN_TTL_FACTOR: '0' }, 'REFRESH_TOKEN_TTL_FACTOR must be between 1 and 1000, got 0'],
    [{ REFRESH_REUSE_GRACE: '301' }, 'REFRESH_REUSE_GRACE must be between 0 and 300, got 301'],
    [{ PKCE_REQUIRED: 'maybe' }, 'PKCE_REQUIRED must be true or false, got "maybe"'],
    [{ PKCE_ALLOW_PLAIN: '2' }, 'PKCE_ALLOW_PLAIN must be true or false, got "2"'],
    [{ IMPLICIT_ENABLED: 'nope' }, 'IMPLICIT_ENABLED must be true or false, got "nope"'],
    [{ PASSWORD_GRANT_ENABLED: 'y' }, 'PASSWORD_GRANT_ENABLED must be true or false, got "y"'],
    [{ DOCS_ENABLED: 'public' }, 'DOCS_ENABLED must be true or false, got "public"'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test, got "staging"'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of silent, error, warn, info, debug, got "verbose"'],
    [{ DATABASE_URL: 'postgres://db/x' }, 'DATABASE_URL must start with mysql:// or sqlite:'],
    [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/gatehouse.sqlite'],
    [{ DATABASE_URL: 'mysql://[bad' }, 'DATABASE_URL is not a valid mysql:// URL'],
    [{ DATABASE_URL: 'mysql://u@h1:3306,,h3/x' }, 'DATABASE_URL is not a valid mysql:// URL'],
    [{ DATABASE_URL: 'mysql://u@h1:3306,h2:99999/x' }, 'DATABASE_URL is not a valid mysql:// URL'],
    [{ DATABASE_URL: 'mysql://db/x', DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be between 1 and 1000, got 0'],
    [{ ISSUER: 'not a url' }, 'ISSUER must be an absolute URL, got "not a url"'],
    [{ ISSUER: 'https://auth.example.com/?x=1' }, 'ISSUER must not have a query or fragment'],
    [{ ISSUER: 'https://auth.example.com/#x' }, 'ISSUER must not have a query or fragment'],
    [{ ISSUER: 'ftp://auth.example.com' }, 'ISSUER must be an https URL'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY must be at least 16 characters'],
    [{ NODE_ENV: 'production', COOKIE_SECRET: 'c'.repeat(32), KEY_ENCRYPTION_SECRET: 'e'.repeat(32) }, `ADMIN_API_KEY is required when NODE_ENV=production${HOW}`],
    [{ NODE_ENV: 'production' }, `ADMIN_API_KEY, COOKIE_SECRET, KEY_ENCRYPTION_SECRET are required when NODE_ENV=production${HOW}`],
    [{ COOKIE_SECRET: 'short' }, 'COOKIE_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(16) }, `COOKIE_SECRET, KEY_ENCRYPTION_SECRET are required when NODE_ENV=production${HOW}`],
    [{ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(16), COOKIE_SECRET: 'c'.repeat(32) }, `KEY_ENCRYPTION_SECRET is required when NODE_ENV=production${HOW}`],
    [{ KEY_ENCRYPTION_SECRET_PREVIOUS: 'short' }, 'KEY_ENCRYPTION_SECRET_PREVIOUS must be at least 32 characters'],
    [{ KEY_ENCRYPTION_SECRET: 'short' }, 'KEY_ENCRYPTION_SECRET must be at least 32 characters'],
    [{ KEY_ROTATION_OVERLAP: '-5' }, 'KEY_ROTATION_OVERLAP must be an integer, got "-5"'],
    [{ ID_TOKEN_TTL: '86401' }, 'ID_TOKEN_TTL must be between 1 and 86400, got 86401'],
    [{ ARGON2_MEMORY_KIB: '512' }, 'ARGON2_MEMORY_KIB must be between 1024 and 4194304, got 512'],
  ])('refuses %j with a ConfigError naming the setting', (env, message) => {
    expect(refusal(env)).toBe(message);
  });

  it('applies the brute-force defaults and reads each setting', () => {
    expect(loadConfig({}).throttle).toEqual({
      enabled: true,
      accountIpFailures: 5,
      accountIpWindow: 43_200,
      accountFailures: 30,
      ipFailures: 20,
      window: 900,
      lockSeconds: 60,
      maxLockSeconds: 900,
      accountMaxLockSeconds: 300,
      deviceCookieTtl: 15_552_000,
    });
    const config = loadConfig({
      THROTTLE_ENABLED: 'false',
      THROTTLE_ACCOUNT_IP_FAILURES: '3',
      THROTTLE_ACCOUNT_IP_WINDOW: '3600',
      THROTTLE_ACCOUNT_FAILURES: '10',
      THROTTLE_IP_FAILURES: '50',
      THROTTLE_WINDOW: '600',
      THROTTLE_LOCK_SECONDS: '30',
      THROTTLE_MAX_LOCK_SECONDS: '3600',
      THROTTLE_ACCOUNT_MAX_LOCK_SECONDS: '120',
      DEVICE_COOKIE_TTL: '86400',
    });
    expect(config.throttle).toEqual({ enabled: false, accountIpFailures: 3, accountIpWindow: 3600, accountFailures: 10, ipFailures: 50, window: 600, lockSeconds: 30, maxLockSeconds: 3600, accountMaxLockSeconds: 120, deviceCookieTtl: 86_400 });
  });

  it.each([
    [{ THROTTLE_ENABLED: 'maybe' }, 'THROTTLE_ENABLED must be true or false, got "maybe"'],
    [{ THROTTLE_ACCOUNT_IP_FAILURES: '0' }, 'THROTTLE_ACCOUNT_IP_FAILURES must be between 1 and 1000, got 0'],
    [{ THROTTLE_LOCK_SECONDS: 'soon' }, 'THROTTLE_LOCK_SECONDS must be an integer, got "soon"'],
    [{ THROTTLE_LOCK_SECONDS: '600', THROTTLE_MAX_LOCK_SECONDS: '60' }, 'THROTTLE_MAX_LOCK_SECONDS must be at least THROTTLE_LOCK_SECONDS'],
    [{ THROTTLE_ACCOUNT_IP_FAILURES: '10', THROTTLE_ACCOUNT_FAILURES: '5' }, 'THROTTLE_ACCOUNT_FAILURES (every IP) must be at least THROTTLE_ACCOUNT_IP_FAILURES (one IP)'],
  ])('refuses brute-force setting %j', (env, message) => {
    expect(refusal(env)).toBe(message);
  });
});

describe('loadConfig: running it as a service', () => {
  it('defaults: JSON logs off a terminal, 10 s shutdown, metrics on the main port, 90-day audit, no periodic purge, 1-day grace, no trusted proxy', () => {
    const tty = process.stdout.isTTY;
    process.stdout.isTTY = false;
    try {
      expect(loadConfig({})).toMatchObject({
        logFormat: 'json',
        shutdownTimeout: 10,
        metricsPort: null,
        auditRetentionDays: 90,
        purgeInterval: 0,
        purgeRevokedGrace: 86_400,
        trustProxy: false,
      });
    } finally {
      process.stdout.isTTY = tty;
    }
  });

  it('pretty logs by default only for development on a terminal', () => {
    const tty = process.stdout.isTTY;
    process.stdout.isTTY = true;
    try {
      expect(loadConfig({}).logFormat).toBe('pretty');
      expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    } finally {
      process.stdout.isTTY = tty;
    }
  });

  it.each([
    [{ TRUST_PROXY: 'true' }, true],
    [{ TRUST_PROXY: '2' }, 2],
    [{ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }, '10.0.0.0/8, 127.0.0.1'],
  ])('TRUST_PROXY %j', (env, value) => {
    expect(loadConfig(env).trustProxy).toEqual(value);
  });

  it.each([
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of json, pretty, got "xml"'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY must be true, false, a hop count or a list of addresses, got "everyone"'],
    [{ SHUTDOWN_TIMEOUT: '0' }, 'SHUTDOWN_TIMEOUT must be between 1 and 3600, got 0'],
    [{ METRICS_PORT: 'x' }, 'METRICS_PORT must be an integer, got "x"'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS must be between 1 and 36500, got 0'],
    [{ PURGE_INTERVAL: '-1' }, 'PURGE_INTERVAL must be an integer, got "-1"'],
  ])('refuses %j', (env, message) => {
    expect(refusal(env)).toBe(message);
  });
});

describe('loadConfig: clients that register themselves', () => {
  it('defaults to closed registration, metadata documents on, loopback documents off', () => {
    expect(loadConfig({}).registration).toEqual({
      mode: 'closed',
      scopes: ['openid', 'profile', 'email'],
      idleDays: 30,
      maxClients: 10_000,
      ratePerIp: 30,
      rateWindow: 3600,
      metadataDocuments: true,
      metadataAllowLoopback: false,
    });
  });

  it('reads every setting', () => {
    const env = { REGISTRATION: 'open', REGISTRATION_SCOPES: 'profile', REGISTRATION_IDLE_DAYS: '7', REGISTRATION_MAX_CLIENTS: '50', REGISTRATION_RATE_LIMIT: '5', REGISTRATION_RATE_WINDOW: '60', CLIENT_ID_METADATA_DOCUMENTS: 'false', CLIENT_ID_METADATA_ALLOW_LOOPBACK: 'true' };
    expect(loadConfig(env).registration).toEqual({ mode: 'open', scopes: ['profile'], idleDays: 7, maxClients: 50, ratePerIp: 5, rateWindow: 60, metadataDocuments: false, metadataAllowLoopback: true });
  });

  it.each([
    [{ REGISTRATION: 'anyone' }, 'REGISTRATION must be one of closed, token, open'],
    [{ REGISTRATION_SCOPES: 'profile admin' }, 'REGISTRATION_SCOPES: unknown scope "admin"'],
    [{ REGISTRATION_IDLE_DAYS: '0' }, 'REGISTRATION_IDLE_DAYS must be between'],
  ])('refuses %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig start-up warnings', () => {
  it('warns when NODE_ENV is unset and HOST is not a loopback address', () => {
    const [warning] = loadConfig({ HOST: '0.0.0.0' }).startupWarnings;
    expect(warning).toContain('NODE_ENV is not set');
    expect(warning).toContain('0.0.0.0');
    expect(loadConfig({ HOST: '2001:db8::1' }).startupWarnings).toHaveLength(1);
  });

  it('stays quiet on a loopback address, or with NODE_ENV set', () => {
    for (const env of [{}, { HOST: '127.0.0.1' }, { HOST: '::1' }, { HOST: 'localhost' }, { HOST: '0.0.0.0', NODE_ENV: 'development' }, { HOST: '0.0.0.0', NODE_ENV: 'test' }]) {
      expect(loadConfig(env).startupWarnings).toEqual([]);
    }
  });
});
