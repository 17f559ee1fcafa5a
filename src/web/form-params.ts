import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../grants/oauth-error';

export type Params = Readonly<Record<string, string | undefined>>;

/**
 * RFC 6749 §3.1, §3.2: "Parameters sent without a value MUST be treated as if they were omitted"
 * and "Request and response parameters MUST NOT be included more than once".
 * Returns one string per name, or throws invalid_request naming the repeated parameter.
 */
export function singleValued(source: unknown): Params {
  const { params, repeated } = firstValues(source);
  if (repeated.length > 0) throw OAuthError.invalidRequest(`parameter "${repeated[0].slice(0, 40)}" is repeated`);
  return params;
}

/**
 * RFC 8707 §2: `resource` is the one parameter that may be sent more than once. Its values come out
 * space-separated (a URI holds no space), read by the resource indicator rules.
 */
const REPEATABLE = 'resource';

/**
 * Like `singleValued`, but a repeated parameter keeps its first value and is named in `repeated`
 * instead of throwing: the authorization endpoint must verify client_id and redirect_uri before
 * it may send that invalid_request back to the client (§4.1.2.1).
 */
export function firstValues(source: unknown): { params: Params; repeated: string[] } {
  const params: Record<string, string> = {};
  const repeated: string[] = [];
  if (!source || typeof source !== 'object') return { params, repeated };
  const fields = source as Record<string, unknown>;
  // for…in: the body parser's objects have no prototype, and this is on every token request.
  for (const name in fields) {
    const value = fields[name];
    if (name === REPEATABLE && Array.isArray(value)) {
      if (!value.every((v) => typeof v === 'string' && v !== '')) throw OAuthError.invalidTarget('resource is malformed');
      params[name] = value.join(' ');
      continue;
    }
    if (Array.isArray(value)) repeated.push(name);
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first !== 'string') throw OAuthError.invalidRequest(`parameter "${name.slice(0, 40)}" is malformed`);
    if (first !== '') params[name] = first;
  }
  return { params, repeated };
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
/**
 * Where a request keeps its parsed parameters (the guard and the handler both read them): a symbol
 * property of the request, cheaper than a WeakMap entry per request on every token, revocation
 * and introspection call.
 */
const PARSED = Symbol('formParams');
type ParsedRequest = FastifyRequest & { [PARSED]?: Params };

/** Whether the request body is `application/x-www-form-urlencoded` (parameters may follow). */
export function isFormEncoded(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return type === FORM_TYPE || type.split(';')[0].trim().toLowerCase() === FORM_TYPE;
}

/** The form body of a token/revocation/introspection request (§3.2: form-encoded only). */
export function formParams(request: FastifyRequest): Params {
  const cached = (request as ParsedRequest)[PARSED];
  if (cached) return cached;
  if (!isFormEncoded(request)) throw OAuthError.invalidRequest(`the request body must be ${FORM_TYPE}`);
  const params = singleValued(request.body);
  (request as ParsedRequest)[PARSED] = params;
  return params;
}
