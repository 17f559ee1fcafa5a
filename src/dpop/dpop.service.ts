import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { EmbeddedJWK, JWTVerifyGetKey, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';
import { Clock } from '../common/clock';
import { safeEqual, sha256Base64url } from '../common/crypto';
import { Lru } from '../common/lru';
import { ASYMMETRIC_JWS_ALGS } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { OAuthError } from '../grants/oauth-error';
import { ReplayService } from '../replay/replay.service';

/** RFC 9449 §11.1: a proof is accepted this many seconds either side of its iat. */
export const DPOP_IAT_WINDOW = 60;
/** A server nonce (§8) changes this often; the previous one is still accepted. */
const NONCE_PERIOD = 300;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
/** Imported proof keys kept (a client usually keeps its DPoP key for a whole session). */
const KEY_CACHE_ENTRIES = 4096;

/** What a proof is checked against: the request it came with. */
export interface ProofContext {
  method: string;
  /** The request's URL as the client addressed it: issuer origin and path (§4.3: no query, no fragment). */
  url: string;
  /** At a resource: the access token the proof must name (`ath`, §4.3 item 11). */
  accessToken?: string;
}

/** The refusal of a proof: invalid_dpop_proof, or use_dpop_nonce with the nonce to use (§8). */
export class DpopProofError extends OAuthError {
  /** 400 at the token endpoint (§5.2), 401 at a protected resource (§7.1). */
  constructor(description: string, readonly nonce?: string, status = 400) {
    super(nonce ? 'use_dpop_nonce' : 'invalid_dpop_proof', description, status);
    this.challengeScheme = 'DPoP';
  }

  /** The same refusal as a protected resource answers it (401). */
  atResource(): DpopProofError {
    return new DpopProofError(this.description ?? 'invalid DPoP proof', this.nonce, 401);
  }
}

/** §4.3 item 9: htu compared without query and fragment, scheme and host case-insensitively, default ports dropped. */
export function normalizeHtu(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return `${url.origin}${url.pathname}`;
  } catch {
    return null;
  }
}

/**
 * DPoP proofs (RFC 9449 §4), checked with jose: `typ: dpop+jwt`, an asymmetric algorithm of the
 * allow-list, a public `jwk` in the header that verifies the signature, `htm` and `htu` of this
 * request, an `iat` within 60 seconds, `ath` at a resource, a `jti` seen once by any instance
 * (the database), and the server nonce when DPOP_NONCE is on. Answers the key's thumbprint (§6.1 jkt).
 *
 * Importing the header's key costs more than checking the signature, so imported keys are kept,
 * least recently used dropped first. An entry is found by the RFC 7638 thumbprint of the header's
 * jwk (which covers exactly the key material) together with every other input jose's import and
 * its checks depend on (the header's alg, the jwk's use, alg, key_ops and ext): a proof is served
 * an imported key only where jose would have imported the very same key and accepted it.
 */
@Injectable()
export class DpopService {
  private readonly keys = new Lru<string, Awaited<ReturnType<typeof EmbeddedJWK>>>(KEY_CACHE_ENTRIES);

  constructor(
    private readonly replay: ReplayService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.config.dpopEnabled;
  }

  /** The nonce a client must use now (§8): an HMAC of the period under COOKIE_SECRET, the same on every instance. */
  currentNonce(): string {
    return this.nonceFor(Math.floor(this.clock.now() / NONCE_PERIOD));
  }

  private nonceFor(period: number): string {
    return createHmac('sha256', this.config.cookieSecret).update(`dpop-nonce:${period}`).digest('base64url');
  }

  /** The proof from the `DPoP` header: exactly one (§4.3 item 1), or undefined when none was sent. */
  static header(headers: Record<string, string | string[] | undefined>): string | undefined {
    const value = headers.dpop;
    if (Array.isArray(value)) throw new DpopProofError('send exactly one DPoP header');
    return value;
  }

  async verify(proof: string, context: ProofContext): Promise<string> {
    let header;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw new DpopProofError('the DPoP proof is not a JWT');
    }
    if (header.typ !== 'dpop+jwt') throw new DpopProofError('the DPoP proof must have typ dpop+jwt');
    if (!(ASYMMETRIC_JWS_ALGS as readonly string[]).includes(header.alg ?? '')) throw new DpopProofError('the DPoP proof must be signed with an asymmetric algorithm');
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (!jwk || typeof jwk !== 'object') throw new DpopProofError('the DPoP proof must carry its public key (jwk)');
    if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) throw new DpopProofError('the jwk of a DPoP proof must be a public key');

    let jkt: string | undefined;
    const key: JWTVerifyGetKey = async (protectedHeader, token) => {
      const embedded = protectedHeader.jwk as Record<string, unknown>;
      jkt = await calculateJwkThumbprint(embedded as never, 'sha256');
      // JSON keeps null apart from a missing member (omitted), as jose's checks do.
      const cacheKey = JSON.stringify({ jkt, alg: protectedHeader.alg, use: embedded.use, jwkAlg: embedded.alg, keyOps: embedded.key_ops, ext: embedded.ext });
      const cached = this.keys.get(cacheKey);
      if (cached) return cached;
      const imported = await EmbeddedJWK(protectedHeader, token);
      this.keys.set(cacheKey, imported);
      return imported;
    };
    let payload;
    try {
      ({ payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: [...ASYMMETRIC_JWS_ALGS], currentDate: new Date(this.clock.now() * 1000) }));
    } catch {
      throw new DpopProofError('the DPoP proof signature does not verify');
    }
    const { jti, htm, htu, iat } = payload as { jti?: unknown; htm?: unknown; htu?: unknown; iat?: unknown };
    if (typeof jti !== 'string' || !jti || jti.length > 256) throw new DpopProofError('the DPoP proof needs a jti');
    if (htm !== context.method) throw new DpopProofError('the DPoP proof is for another HTTP method (htm)');
    const expected = normalizeHtu(context.url);
    if (typeof htu !== 'string' || normalizeHtu(htu) === null || normalizeHtu(htu) !== expected) throw new DpopProofError('the DPoP proof is for another URL (htu)');
    if (typeof iat !== 'number' || Math.abs(iat - this.clock.now()) > DPOP_IAT_WINDOW) throw new DpopProofError('the DPoP proof iat is too far from now');
    if (context.accessToken !== undefined) {
      const ath = (payload as { ath?: unknown }).ath;
      if (typeof ath !== 'string' || !safeEqual(ath, sha256Base64url(context.accessToken))) throw new DpopProofError('the DPoP proof does not name this access token (ath)');
    }
    if (this.config.dpopNonce) {
      const nonce = (payload as { nonce?: unknown }).nonce;
      const period = Math.floor(this.clock.now() / NONCE_PERIOD);
      const fresh = typeof nonce === 'string' && [period, period - 1].some((p) => safeEqual(nonce, this.nonceFor(p)));
      if (!fresh) throw new DpopProofError('use the DPoP-Nonce this server provided', this.currentNonce());
    }
    if (!jkt) throw new DpopProofError('the DPoP proof signature does not verify');
    // §11.1: a proof is used once; remembered while its iat is still acceptable.
    if (!(await this.replay.useOnce('dpop', jkt, jti, (iat as number) + DPOP_IAT_WINDOW + 1))) throw new DpopProofError('the DPoP proof was already used (jti replayed)');
    return jkt;
  }
}
