/**
 * Usernames in one canonical form, RFC 8265 §3.3 (the UsernameCaseMapped profile of the PRECIS
 * IdentifierClass, RFC 8264). Every place that compares usernames (sign-up, the admin API, the CLI,
 * the console, sign-in, the password grant, the brute-force counters, the audit log and the database
 * lookup) goes through canonicalUsername(), so no spelling of a name reaches an account around them.
 *
 * Enforcement, in the RFC's order (§3.3.2):
 *  1. width mapping: fullwidth and halfwidth forms to their ordinary form (`ａｌｉｃｅ` → `alice`);
 *  2. case mapping: Unicode toLowerCase() (locale-independent: `İ` → `i̇`, not `i`);
 *  3. normalization: NFC;
 *  then the result must consist of IdentifierClass code points only (§3.3.1, RFC 8264 §4.2):
 *  letters, digits and combining marks from any script, and ASCII; no spaces, controls, invisible
 *  (default-ignorable, e.g. zero-width or bidi control) characters, symbols or punctuation beyond
 *  ASCII, compatibility characters (`ﬁ`, `²`), unassigned or private-use code points.
 * Gatehouse further allows only `. _ @ -` of the ASCII symbols (RFC 8265 §3.1 lets an application
 * restrict the class), so a name is never markup or a path.
 *
 * The bidi rule of RFC 5893 is not applied; right-to-left letters are allowed, bidi controls not.
 */

/** The longest canonical form, in code points (the column is varchar(64)). */
export const USERNAME_MAX_LENGTH = 64;

export type UsernameCheck = { ok: true; canonical: string } | { ok: false; rule: string };

const RULE = 'RFC 8265 IdentifierClass';
const WIDTH_FORMS = /[\u3000\uFF01-\uFFEE]/g;
const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}\p{Mn}\p{Mc}]$/u;
const ASCII_ALLOWED = /^[A-Za-z0-9._@-]$/;

/** Why one code point of a width-mapped, lower-cased, NFC string is refused; null when it is allowed. */
function refusal(ch: string): string | null {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) {
    if (ASCII_ALLOWED.test(ch)) return null;
    if (cp === 0x20) return `must not contain spaces (${RULE})`;
    if (cp < 0x20 || cp === 0x7f) return `must not contain control characters (${RULE})`;
    return 'may contain only letters, digits and . _ @ -';
  }
  if (/\p{Cc}/u.test(ch)) return `must not contain control characters (${RULE})`;
  if (/[\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(ch)) return `must not contain invisible characters such as zero-width or bidi controls (${RULE})`;
  if (/\p{Z}/u.test(ch)) return `must not contain spaces (${RULE})`;
  if (/[\p{Cn}\p{Co}\p{Cs}]/u.test(ch)) return `must not contain unassigned or private-use code points (${RULE})`;
  if (ch.normalize('NFKC') !== ch) return `must not contain compatibility characters such as ligatures or superscripts (${RULE})`;
  if (!LETTER_DIGIT.test(ch)) return `may contain only letters, digits, combining marks and . _ @ - (${RULE})`;
  return null;
}

/** The canonical form of `input`, or the rule it breaks (phrased as a field error: "must not …"). */
export function checkUsername(input: string): UsernameCheck {
  if (typeof input !== 'string') return { ok: false, rule: 'must be a string' };
  const canonical = input
    .replace(WIDTH_FORMS, (c) => c.normalize('NFKC'))
    .toLowerCase()
    .normalize('NFC');
  if (canonical.length === 0) return { ok: false, rule: 'must not be empty' };
  const chars = [...canonical];
  for (const ch of chars) {
    const rule = refusal(ch);
    if (rule) return { ok: false, rule };
  }
  if (chars.length > USERNAME_MAX_LENGTH) return { ok: false, rule: `must be at most ${USERNAME_MAX_LENGTH} characters once normalized` };
  return { ok: true, canonical };
}

/** The canonical form of a name that may sign in, or null for one that never names an account. */
export function canonicalUsername(input: string): string | null {
  const check = checkUsername(input);
  return check.ok ? check.canonical : null;
}

/**
 * The name a brute-force counter and the audit log know a typed username by: its canonical form, or
 * for a name that cannot exist a fixed-size marker of what was typed (so junk spellings neither
 * reach an account's counter nor fill the log with whatever was typed into the field).
 */
export function usernameSubject(input: string | null | undefined): string | null {
  if (input === null || input === undefined || input === '') return null;
  return canonicalUsername(input) ?? '(invalid)';
}
