/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** String.prototype.isWellFormed (ES2024), which this TypeScript target does not declare. */
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Whether every string in a parsed JSON value (keys included) is well-formed Unicode. A `\ud800`
 * escape yields a lone surrogate, which validators that call encodeURI (email, byte length) throw
 * on. Recursion is bounded: the value passed `jsonNestingExceeds` first.
 */
export function jsonStringsWellFormed(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (Array.isArray(value)) return value.every(jsonStringsWellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => isWellFormed(key) && jsonStringsWellFormed(item));
  }
  return true;
}

/** Deepest nesting a JSON request body may have: the admin API's documents need 3 levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `text` opens more than `limit` arrays/objects inside each other, counting `[` and `{`
 * outside strings. A linear scan before JSON.parse, so a deep document (about 1,300 levels fit in
 * 2.6 KB) is refused before anything walks it recursively (validation, class-transformer).
 */
export function jsonNestingExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
