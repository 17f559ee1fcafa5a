/** DPoP (RFC 9449) keys for the suites that send proofs. */
import { CryptoKey, JWK, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

export interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  /** The public key's RFC 7638 thumbprint, what a bound token's `cnf.jkt` names. */
  jkt: string;
}

/** A new ES256 key pair. */
export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}
