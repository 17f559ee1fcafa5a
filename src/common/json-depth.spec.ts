import { MAX_JSON_DEPTH, jsonNestingExceeds, jsonStringsWellFormed } from './json-depth';

describe(jsonNestingExceeds.name, () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('accepts a document at the limit and refuses one level more', () => {
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonNestingExceeds('{"a":'.repeat(1300) + '1' + '}'.repeat(1300))).toBe(true);
  });

  it('counts siblings once, not their sum', () => {
    expect(jsonNestingExceeds(`[${Array(100).fill('{"a":[1]}').join(',')}]`, 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(JSON.stringify({ a: '[[[[[[{{{{{{', b: 'say \\"[[[[[[" ok' }), 2)).toBe(false);
    expect(jsonNestingExceeds('["\\\\", [[]]]', 2)).toBe(true);
  });
});

describe(jsonStringsWellFormed.name, () => {
  it('accepts valid Unicode, surrogate pairs included, in keys and values at any depth', () => {
    expect(jsonStringsWellFormed(JSON.parse('{"a":["\\ud83d\\udca9",{"\\u00e9":"x"}],"b":1,"c":null}'))).toBe(true);
  });

  it.each(['"\\ud800"', '"a\\udc00"', '"\\udc00\\ud800"', '{"\\ud800":1}', '[[{"a":"\\ud83d"}]]'])('refuses a lone surrogate in %s', (text) => {
    expect(jsonStringsWellFormed(JSON.parse(text))).toBe(false);
  });
});
