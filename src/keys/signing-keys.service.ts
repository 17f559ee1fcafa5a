import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import type { JWK } from 'jose';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { AuditService } from '../audit/audit.service';
import { Db } from '../database/db';
import { KeyEncryption } from './key-encryption';
import { SIGNING_ALGS, SigningAlg, SigningKey } from './signing-key.entity';
import { KeyGenerationTakenError, SigningKeysRepository } from './signing-keys.repository';

/**
 * pending: published, not signing yet. active: signs. retired: no longer signs, still published
 * so what it signed verifies until it expires. expired: neither.
 */
export type KeyState = 'pending' | 'active' | 'retired' | 'expired';

export interface KeySummary {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  created_at: number;
  activates_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

/** A key ready to sign with. */
export interface ActiveKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

/**
 * A signing key that cannot be decrypted with the secret in use. At start it stops the server with
 * this message; later (a key another instance made under another secret) requests that need it get
 * 503 and /health/ready fails, never a 500.
 */
export class SigningKeyUndecryptableError extends Error {
  override name = 'SigningKeyUndecryptableError';
  /** Seconds a client should wait before trying again. */
  readonly retryAfter = 30;
}

/** How long rows are reused before they are read again: another instance's rotation shows up within this. */
const CACHE_SECONDS = 30;
/** Cache-Control max-age of /oauth/jwks: relying parties may keep the old key set this long. */
export const JWKS_MAX_AGE = 60;

/**
 * A KEY_ROTATION_OVERLAP too short for relying parties to see a new key before it signs (their
 * JWKS cache plus our instances' row cache), as a warning with the numbers; null when it is enough.
 */
export function rotationOverlapWarning(overlap: number): string | null {
  const needed = JWKS_MAX_AGE + CACHE_SECONDS;
  if (overlap >= needed) return null;
  return (
    `KEY_ROTATION_OVERLAP=${overlap} s is shorter than relying parties may cache the JWK Set (${JWKS_MAX_AGE} s) plus the ` +
    `instances' key cache (${CACHE_SECONDS} s): after a rotation, ID tokens signed by the new key fail at RPs for up to ` +
    `${needed - overlap} s. Set it to at least ${needed} (default 3600), more if your RPs cache longer.`
  );
}

/**
 * The signing keys every instance shares. The database decides which key signs (the oldest active
 * one of an algorithm), so all instances agree; rows are cached briefly and states are computed
 * from the clock, so a key scheduled to activate does so on every instance at the same second.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger('SigningKeys');
  private readonly encryption: KeyEncryption;
  /** Kids of signing keys that did not decrypt (reported by /health/ready). */
  private readonly undecryptable = new Set<string>();
  private rows: SigningKey[] | null = null;
  private loadedAt = 0;
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.encryption = new KeyEncryption(config.keyEncryptionSecret);
  }

  /**
   * Every key that signs now or will sign must decrypt: one under a previous secret is re-encrypted
   * under the current one, and one under an unknown secret stops the start with the fix. Then, on
   * a first start, one key per algorithm, signing at once (nothing can have cached an older key set).
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.checkEncryption();
    await this.ensureKeys();
  }

  async checkEncryption(): Promise<void> {
    const now = this.clock.now();
    const previous = this.config.previousKeyEncryptionSecrets.map((secret) => new KeyEncryption(secret));
    const lost: string[] = [];
    for (const key of await this.load(true)) {
      const state = this.state(key, now);
      if (state === 'retired' || state === 'expired') continue;
      if (this.decrypts(this.encryption, key)) continue;
      const earlier = previous.find((encryption) => this.decrypts(encryption, key));
      if (!earlier) {
        lost.push(key.kid);
        continue;
      }
      await this.keys.updatePrivateKey(key.kid, this.encryption.encrypt(earlier.decrypt(key.privateKey, key.kid), key.kid));
      this.logger.log(`re-encrypted signing key ${key.kid} under the current KEY_ENCRYPTION_SECRET`);
    }
    if (lost.length) throw new SigningKeyUndecryptableError(undecryptableMessage(lost, this.config));
    await this.load(true);
  }

  /** Kids of keys that sign now or will and could not be decrypted since start (empty when all is well). */
  undecryptableKeys(): string[] {
    return [...this.undecryptable];
  }

  private decrypts(encryption: KeyEncryption, key: SigningKey): boolean {
    try {
      encryption.decrypt(key.privateKey, key.kid);
      return true;
    } catch {
      return false;
    }
  }

  async ensureKeys(): Promise<void> {
    const rows = await this.load(true);
    for (const alg of SIGNING_ALGS) {
      const now = this.clock.now();
      if (rows.some((k) => k.alg === alg && (k.retiredAt === null || k.retiredAt > now))) continue;
      const generation = Math.max(0, ...rows.filter((k) => k.alg === alg).map((k) => k.generation)) + 1;
      try {
        await this.keys.insert(await this.generate(alg, generation, now));
        this.logger.log(`generated ${alg} signing key (generation ${generation})`);
      } catch (err) {
        // Another instance created it at the same moment: use theirs.
        if (!(err instanceof KeyGenerationTakenError)) throw err;
      }
    }
    await this.load(true);
  }

  /**
   * Starts a rotation of every algorithm: the new keys are published now and sign after
   * KEY_ROTATION_OVERLAP seconds; the current ones sign until then and stay published until every
   * token they signed has expired.
   */
  async rotate(ip?: string | null): Promise<KeySummary[]> {
    const now = this.clock.now();
    const published: string[] = [];
    const switchAt = now + this.config.keyRotationOverlap;
    const publishedUntil = switchAt + Math.max(this.config.idTokenTtl, this.config.accessTokenTtl);
    const rows = await this.load(true);
    for (const alg of SIGNING_ALGS) {
      const generation = Math.max(0, ...rows.filter((k) => k.alg === alg).map((k) => k.generation)) + 1;
      const key = await this.generate(alg, generation, now, switchAt);
      try {
        await this.db.transaction(async () => {
          await this.keys.insert(key);
          await this.keys.retireOlder(alg, generation, switchAt, publishedUntil);
        });
        this.logger.log(`rotating ${alg}: ${key.kid} signs from ${switchAt}`);
        published.push(key.kid);
      } catch (err) {
        // A concurrent rotation won this generation; theirs stands.
        if (!(err instanceof KeyGenerationTakenError)) throw err;
      }
    }
    if (published.length) this.audit.record({ type: 'keys.rotated', ip, detail: { kids: published.join(' '), signs_from: switchAt } });
    await this.load(true);
    return this.list();
  }

  async list(): Promise<KeySummary[]> {
    const rows = await this.load();
    return rows.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: this.state(k),
      created_at: k.createdAt,
      activates_at: k.activatesAt,
      retired_at: k.retiredAt,
      expires_at: k.expiresAt,
    }));
  }

  state(k: SigningKey, now = this.clock.now()): KeyState {
    if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
    if (k.retiredAt !== null && k.retiredAt <= now) return 'retired';
    return k.activatesAt <= now ? 'active' : 'pending';
  }

  /** The key that signs now for this algorithm: the oldest active one. Inside a transaction, its reads join it. */
  async signingKey(alg: SigningAlg): Promise<ActiveKey> {
    const now = this.clock.now();
    let key = (await this.load()).find((k) => k.alg === alg && this.state(k, now) === 'active');
    if (!key) {
      // A rotation elsewhere may have changed the set since it was cached; read it again once.
      key = (await this.load(true)).find((k) => k.alg === alg && this.state(k, now) === 'active');
      if (!key) throw new Error(`no active ${alg} signing key`);
    }
    let privateKey = this.privateKeys.get(key.kid);
    if (!privateKey) {
      let der: Buffer;
      try {
        der = this.encryption.decrypt(key.privateKey, key.kid);
      } catch {
        this.undecryptable.add(key.kid);
        throw new SigningKeyUndecryptableError(undecryptableMessage([key.kid], this.config));
      }
      privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      this.privateKeys.set(key.kid, privateKey);
    }
    return { kid: key.kid, alg: key.alg, privateKey };
  }

  /** RFC 7517 JWK Set of every published key (pending, active, retired until expiry): public parts only. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const now = this.clock.now();
    const rows = await this.load();
    return { keys: rows.filter((k) => this.state(k, now) !== 'expired').map((k) => JSON.parse(k.publicJwk) as JWK) };
  }

  /** The public key with this kid and alg while it is published, for verifying our own JWTs. */
  async publicKey(kid: string | undefined, alg: string | undefined): Promise<KeyObject | null> {
    if (!kid || !alg) return null;
    const now = this.clock.now();
    let key = (await this.load()).find((k) => k.kid === kid);
    // A key another instance created after our last read.
    if (!key) key = (await this.load(true)).find((k) => k.kid === kid);
    if (!key || key.alg !== alg || this.state(key, now) === 'expired') return null;
    let publicKey = this.publicKeys.get(kid);
    if (!publicKey) {
      publicKey = createPublicKey({ key: JSON.parse(key.publicJwk), format: 'jwk' });
      this.publicKeys.set(kid, publicKey);
    }
    return publicKey;
  }

  private async load(force = false): Promise<SigningKey[]> {
    const now = this.clock.now();
    if (force || !this.rows || now - this.loadedAt >= CACHE_SECONDS || now < this.loadedAt) {
      this.rows = await this.keys.all();
      this.loadedAt = now;
    }
    return this.rows;
  }

  private async generate(alg: SigningAlg, generation: number, now: number, activatesAt = now): Promise<Omit<SigningKey, 'id'>> {
    // Off the event loop: an RSA key takes a noticeable moment.
    const pair = await new Promise<{ publicKey: KeyObject; privateKey: KeyObject }>((resolve, reject) => {
      const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve({ publicKey, privateKey }));
      if (alg === 'RS256') generateKeyPair('rsa', { modulusLength: 2048 }, done);
      else generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    });
    const jwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
    const kid = thumbprint(jwk);
    return {
      kid,
      alg,
      generation,
      publicJwk: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }),
      privateKey: this.encryption.encrypt(pair.privateKey.export({ format: 'der', type: 'pkcs8' }), kid),
      createdAt: now,
      activatesAt,
      retiredAt: null,
      expiresAt: null,
    };
  }
}

/** The cause and the fix, in one line for the operator. */
function undecryptableMessage(kids: string[], config: AppConfig): string {
  return (
    `signing key${kids.length > 1 ? 's' : ''} ${kids.join(', ')} cannot be decrypted with the KEY_ENCRYPTION_SECRET in use ` +
    `(${config.keyEncryptionSecretSource === 'KEY_ENCRYPTION_SECRET' ? 'from the environment' : config.keyEncryptionSecretSource}): ` +
    'they were encrypted under another secret. Set KEY_ENCRYPTION_SECRET to the secret they were made with ' +
    '(or put that one in KEY_ENCRYPTION_SECRET_PREVIOUS to re-encrypt them under the new one at start); ' +
    'if it is lost, delete them (DELETE FROM signing_key) and restart: new keys are made, and tokens the old ones signed no longer verify'
  );
}

/** RFC 7638 JWK thumbprint (SHA-256 of the required members in lexicographic order), base64url. */
export function thumbprint(jwk: JWK): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
