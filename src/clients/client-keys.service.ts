import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Client } from './client.entity';
import { jwksProblem } from './client-metadata';
import { fetchJson } from '../common/outbound-fetch';

type JwkSet = { keys: Array<Record<string, unknown>> };

/** How long a fetched key set is used before it is fetched again. */
const CACHE_SECONDS = 300;
/** A key the cached set lacks triggers a new fetch, at most this often per URL (key rotation, not a flood). */
const REFETCH_SECONDS = 30;
const MAX_CACHED = 1000;

/**
 * A client's public keys (private_key_jwt): its registered `jwks`, or the set at its `jwks_uri`,
 * fetched with the SSRF rules of `fetchJson` and cached per URL.
 */
@Injectable()
export class ClientKeysService {
  private readonly cache = new Map<string, { keys: JwkSet; fetchedAt: number }>();

  constructor(private readonly config: AppConfig) {}

  /** The key set, or null when the client has none or it cannot be fetched. `fresh`: a key was missing, fetch again if allowed. */
  async keySet(client: Client, fresh = false): Promise<JwkSet | null> {
    if (client.metadata.jwks) return client.metadata.jwks;
    const uri = client.metadata.jwks_uri;
    if (!uri) return null;
    const now = Date.now() / 1000;
    const cached = this.cache.get(uri);
    if (cached && now - cached.fetchedAt < (fresh ? REFETCH_SECONDS : CACHE_SECONDS)) return cached.keys;
    try {
      const fetched = await fetchJson(uri, { allowLoopback: this.config.jwksUriAllowLoopback, maxBytes: 65_536, timeoutMs: 5000 }, 'application/jwk-set+json, application/json');
      if (jwksProblem(fetched)) return cached?.keys ?? null;
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(uri, { keys: fetched as JwkSet, fetchedAt: now });
      return fetched as JwkSet;
    } catch {
      // The last good set stays usable while the client's server is down.
      return cached?.keys ?? null;
    }
  }
}
