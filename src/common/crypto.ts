import { hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import * as argon2 from 'argon2';
import { Argon2Config } from '../config/app-config';

/**
 * Random bytes are drawn from a pool refilled 4 KiB at a time: one call into OpenSSL per 128
 * tokens instead of one per token. Bytes handed out are zeroed, so the pool never holds a token
 * already issued.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `bytes` fresh random bytes from the pool, encoded; they are zeroed in the pool once handed out. */
function draw(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const value = pool.toString(encoding, poolOffset, poolOffset + bytes);
  pool.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return value;
}

/** 256 bits of randomness, base64url (43 characters). */
export function randomToken(bytes = 32): string {
  return bytes > POOL_SIZE / 8 ? randomBytes(bytes).toString('base64url') : draw(bytes, 'base64url');
}

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. Ids made later sort
 * later, so an index on them grows at its end instead of at random places.
 */
export function uuidv7(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0') + draw(10, 'hex');
  // Version 7 in the 13th hex digit, variant 10 in the top bits of the 17th.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Hex SHA-256: how client secrets, codes and tokens are stored and looked up. One-shot `hash` (Node ≥ 20.12) skips the Hash object. */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

/** S256 (RFC 7636 §4.2): base64url of the SHA-256 of an ASCII value. */
export function sha256Base64url(value: string): string {
  return hash('sha256', value, 'base64url');
}

/**
 * Constant-time string comparison. Values of equal length — digests above all, which always are —
 * are compared as they are. Values of different lengths are hashed to equal-length digests first,
 * so the comparison still runs in constant time and reveals no more than that the lengths differ.
 */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ba.length === bb.length) return timingSafeEqual(ba, bb);
  timingSafeEqual(hash('sha256', ba, 'buffer'), hash('sha256', bb, 'buffer'));
  return false;
}

export function hashPassword(password: string, params: Argon2Config): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...params });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
