import { KeyEncryption } from './key-encryption';

describe(KeyEncryption.name, () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const plaintext = Buffer.from('private key bytes');

  it('round-trips a key under the same secret and kid', () => {
    const sealed = new KeyEncryption(secret).encrypt(plaintext, 'kid-1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(plaintext.toString('base64url'));
    expect(new KeyEncryption(secret).decrypt(sealed, 'kid-1')).toEqual(plaintext);
  });

  it('uses a fresh IV each time', () => {
    const e = new KeyEncryption(secret);
    expect(e.encrypt(plaintext, 'k')).not.toBe(e.encrypt(plaintext, 'k'));
  });

  it('refuses another secret', () => {
    const sealed = new KeyEncryption(secret).encrypt(plaintext, 'kid-1');
    expect(() => new KeyEncryption(`${secret}-other`).decrypt(sealed, 'kid-1')).toThrow();
  });

  it('refuses a ciphertext moved to another kid', () => {
    const sealed = new KeyEncryption(secret).encrypt(plaintext, 'kid-1');
    expect(() => new KeyEncryption(secret).decrypt(sealed, 'kid-2')).toThrow();
  });

  it('refuses an altered ciphertext and an unknown format', () => {
    const e = new KeyEncryption(secret);
    const [v, iv, tag, ct] = e.encrypt(plaintext, 'k').split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() => e.decrypt([v, iv, tag, flipped.toString('base64url')].join('.'), 'k')).toThrow();
    expect(() => e.decrypt('v0.a.b.c', 'k')).toThrow('unknown private key format');
  });
});
