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
