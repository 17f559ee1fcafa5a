import { canonicalUsername, checkUsername, usernameSubject } from './username';

describe(checkUsername.name, () => {
  it.each([
    ['alice', 'alice'],
    ['Alice', 'alice'],
    ['ALICE', 'alice'],
    ['ａｌｉｃｅ', 'alice'], // width mapping (RFC 8265 §3.3.2 step 1)
    ['ＡＬＩＣＥ', 'alice'],
    ['a\u0301lice', 'álice'], // NFC composes
    ['ÁLICE', 'álice'],
    ['ALİCE', 'ali\u0307ce'], // toLowerCase is locale-independent: İ is not i
    ['Ωmega', 'ωmega'],
    ['user.name_1@example-2', 'user.name_1@example-2'],
    ['日本語', '日本語'],
  ])('maps %j to %j', (input, canonical) => {
    expect(checkUsername(input)).toEqual({ ok: true, canonical });
  });

  it('keeps different names apart', () => {
    const names = ['alice', 'álice', 'ALİCE', 'alíce', 'aIice'].map(canonicalUsername);
    expect(new Set(names).size).toBe(5);
  });

  it.each([
    ['alice\u200b', /zero-width/], // zero-width space
    ['\u200balice', /zero-width/],
    ['ali\u200dce', /zero-width/], // zero-width joiner
    ['alice\u202e', /bidi/], // right-to-left override
    ['ali\u00adce', /invisible/], // soft hyphen
    ['alice\u0000', /control/],
    ['alice\u0085', /control/],
    ['a b', /spaces/],
    ['a\u00a0b', /spaces/],
    ['a\u3000b', /spaces/], // ideographic space, width-mapped to a space
    ['alice\ue000', /private-use/],
    ['\ufb01le', /compatibility/], // ﬁ ligature
    ['x\u00b2', /compatibility/], // superscript two
    ['<script>', /letters, digits and \. _ @ -/],
    ['alice™', /compatibility/],
    ['alice☃', /letters, digits, combining marks/],
    ['', /empty/],
    ['a'.repeat(65), /at most 64/],
  ])('refuses %j naming the rule', (input, rule) => {
    const check = checkUsername(input);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.rule).toMatch(rule);
  });

  it('counts the length after normalization', () => {
    expect(checkUsername('a'.repeat(64)).ok).toBe(true);
    expect(checkUsername('İ'.repeat(33)).ok).toBe(false); // each lower-cases to two code points
  });
});

describe(usernameSubject.name, () => {
  it('names a counter by the canonical form, and every impossible name alike', () => {
    expect(usernameSubject('ＡＬＩＣＥ')).toBe('alice');
    expect(usernameSubject('alice\u200b')).toBe('(invalid)');
    expect(usernameSubject('')).toBeNull();
    expect(usernameSubject(undefined)).toBeNull();
  });
});
