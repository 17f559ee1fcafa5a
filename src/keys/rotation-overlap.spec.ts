import { rotationOverlapWarning } from './signing-keys.service';

describe(rotationOverlapWarning.name, () => {
  it('warns, with the numbers, when the overlap is shorter than the JWKS cache plus the key cache', () => {
    expect(rotationOverlapWarning(45)).toBe(
      "KEY_ROTATION_OVERLAP=45 s is shorter than relying parties may cache the JWK Set (60 s) plus the instances' key cache (30 s): " +
        'after a rotation, ID tokens signed by the new key fail at RPs for up to 45 s. Set it to at least 90 (default 3600), more if your RPs cache longer.',
    );
  });

  it('is quiet from 90 s on', () => {
    expect(rotationOverlapWarning(90)).toBeNull();
    expect(rotationOverlapWarning(3600)).toBeNull();
  });
});
