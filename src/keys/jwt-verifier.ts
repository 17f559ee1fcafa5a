import type { KeyObject } from 'node:crypto';
import type { JWSHeaderParameters } from 'jose';
import { SigningKeysService } from './signing-keys.service';

/**
 * jose's key resolver over our own published keys: a JWT verifies only with the key its header
 * names (kid and alg), and only while that key is published. A retired key verifies until it
 * expires; after that, and for any foreign key, verification fails.
 */
export function ownKeys(keys: SigningKeysService): (header: JWSHeaderParameters) => Promise<KeyObject> {
  return async (header) => {
    const key = await keys.publicKey(header.kid, header.alg);
    if (!key) throw new Error('the token is not signed by one of this server\'s published keys');
    return key;
  };
}
