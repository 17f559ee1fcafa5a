import { Injectable } from '@nestjs/common';
import { JWTVerifyGetKey, createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { Client } from '../clients/client.entity';
import { ClientKeysService } from '../clients/client-keys.service';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/clock';
import { sha256Base64url } from '../common/crypto';
import { Lru } from '../common/lru';
import { ASYMMETRIC_JWS_ALGS, JWT_BEARER_ASSERTION_TYPE } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { OAuthError } from '../grants/oauth-error';
import { ReplayService } from '../replay/replay.service';
import type { Params } from '../web/form-params';

/** RFC 7523 §3: an assertion may not be valid for long; ours must expire within 5 minutes. */
const MAX_LIFETIME = 300;
/** Clock skew tolerated on exp, nbf and iat. */
const SKEW = 5;
/** Clients whose imported key set is kept. */
const KEY_SET_CACHE_ENTRIES = 1000;

/** Whether the request authenticates with a client assertion (then it must be the only method used). */
export function hasClientAssertion(params: Params): boolean {
  return params.client_assertion !== undefined || params.client_assertion_type !== undefined;
}

/**
 * `private_key_jwt` (RFC 7523 §2.2, §3; OpenID Connect Core §9): the client signs a short-lived JWT
 * with a key of its registered set. iss = sub = client_id, aud the issuer or this endpoint's URL,
 * exp within 5 minutes, and a jti used once across every instance. Any failure is invalid_client,
 * the reason only logged.
 *
 * The jose key set built from a client's keys imports each key once and keeps it, so it is kept
 * per client with a digest of the exact set it was built from; a set whose content differs (keys
 * changed through the admin API or registration management, a jwks_uri fetched anew with other
 * keys) gets a new one on the very request that first sees it.
 */
@Injectable()
export class ClientAssertionVerifier {
  private readonly keySets = new Lru<string, { digest: string; getKey: JWTVerifyGetKey }>(KEY_SET_CACHE_ENTRIES);

  constructor(
    private readonly clients: ClientsService,
    private readonly keys: ClientKeysService,
    private readonly replay: ReplayService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async authenticate(params: Params, endpointUrl: string): Promise<Client> {
    const refuse = (detail: string) => new OAuthError('invalid_client', 'client authentication failed', 401, detail);
    if (params.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE) throw refuse('client_assertion_type is not jwt-bearer');
    const assertion = params.client_assertion;
    if (!assertion) throw refuse('client_assertion is missing');
    let clientId: unknown;
    try {
      const claims = decodeJwt(assertion);
      if (claims.iss !== claims.sub) throw refuse('iss and sub differ');
      clientId = claims.sub;
    } catch (err) {
      if (err instanceof OAuthError) throw err;
      throw refuse('client_assertion is not a JWT');
    }
    if (typeof clientId !== 'string' || !clientId) throw refuse('sub is missing');
    // RFC 7521 §4.2: client_id, when sent, names the same client.
    if (params.client_id !== undefined && params.client_id !== clientId) throw refuse('client_id differs from the assertion');
    const client = await this.clients.findByClientId(clientId);
    if (!client || client.metadata.token_endpoint_auth_method !== 'private_key_jwt') throw refuse('no private_key_jwt client with this id');

    const verify = async (fresh: boolean) => {
      const set = await this.keys.keySet(client, fresh);
      if (!set) throw refuse('the client key set is unavailable');
      return jwtVerify(assertion, this.keySetFor(clientId, set), {
        issuer: clientId,
        subject: clientId,
        audience: [this.config.issuer, endpointUrl],
        algorithms: [...ASYMMETRIC_JWS_ALGS],
        currentDate: new Date(this.clock.now() * 1000),
        clockTolerance: SKEW,
        requiredClaims: ['exp', 'jti'],
      });
    };
    let payload;
    try {
      payload = (await verify(false)).payload;
    } catch (err) {
      // A key the cached set lacks: the client may have rotated; fetch its set again once.
      if (err instanceof joseErrors.JWKSNoMatchingKey && client.metadata.jwks_uri) {
        try {
          payload = (await verify(true)).payload;
        } catch (again) {
          throw refuse(`assertion: ${(again as Error).message}`);
        }
      } else if (err instanceof OAuthError) {
        throw err;
      } else {
        throw refuse(`assertion: ${(err as Error).message}`);
      }
    }
    if (payload.exp! > this.clock.now() + MAX_LIFETIME + SKEW) throw refuse('the assertion expires more than 5 minutes from now');
    if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 256) throw refuse('jti is missing or malformed');
    // RFC 7523 §3 item 7: one-time use, remembered until the assertion would have expired.
    if (!(await this.replay.useOnce('client_assertion', clientId, payload.jti, payload.exp! + SKEW))) throw refuse('the assertion was already used (jti replayed)');
    return client;
  }

  /** The jose key set of these keys, the one kept for this client when it was built from the same content. */
  private keySetFor(clientId: string, set: object): JWTVerifyGetKey {
    const digest = sha256Base64url(JSON.stringify(set));
    const kept = this.keySets.get(clientId);
    if (kept?.digest === digest) return kept.getKey;
    // Throws on a malformed set, which then is not kept.
    const getKey = createLocalJWKSet(set as never);
    this.keySets.set(clientId, { digest, getKey });
    return getKey;
  }
}
