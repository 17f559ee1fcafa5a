import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ResponseMode } from '../common/oauth-types';
import { DatabaseUnavailableError } from '../database/database-unavailable.error';
import { ThrottleUnavailableError } from '../throttle/throttle-unavailable.error';
import { SigningKeyUndecryptableError } from '../keys/signing-keys.service';

/** RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7009 §2.2.1 error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  // OpenID Connect Core §3.1.2.6 (prompt=none).
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  // RFC 7591 §3.2.2 (dynamic registration).
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  // RFC 8707 §2 (resource indicators).
  | 'invalid_target'
  // OpenID Connect Core §6: request objects are not supported.
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_request_uri'
  // RFC 8628 §3.5: the device authorization grant's polling answers.
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  // RFC 9449 §7.1, §8: DPoP.
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** Where an authorization-endpoint error goes once the client and its redirect URI are verified. */
export interface ErrorRedirect {
  redirectUri: string;
  state?: string;
  /** `query` for the code flow (§4.1.2.1), `fragment` for implicit (§4.2.2.1), or the request's own response_mode. */
  responseMode: ResponseMode;
  /** RFC 9207: the issuer identifier every authorization response carries (mix-up defence). */
  iss: string;
}

/**
 * The one protocol error. `description` is public (RFC 6749 §5.2: ASCII, no secrets, no echoed
 * input); `detail` is only logged. Rendered by the exception filters of the protocol endpoints
 * (JSON), the protected resource (bearer challenges) and the pages (redirect or error page).
 */
export class OAuthError extends Error {
  redirect?: ErrorRedirect;
  /** RFC 6750 §3: the scope a bearer request lacked. */
  requiredScope?: string;
  /** Seconds for a `Retry-After` header (RFC 9110 §10.2.3). */
  retryAfter?: number;
  /** A protected resource's challenge scheme: `DPoP` when the request or its token used DPoP (RFC 9449 §7.1). */
  challengeScheme?: 'Bearer' | 'DPoP';

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string | undefined,
    readonly status: number = HttpStatus.BAD_REQUEST,
    readonly detail?: string,
  ) {
    super(description ?? code);
  }

  /**
   * Any exception as a protocol error: an OAuthError as it is, a framework 4xx (validation, body
   * parsing) as invalid_request, anything else as server_error with the original kept in `cause`
   * for the log.
   */
  static from(exception: unknown): OAuthError {
    if (exception instanceof OAuthError) return exception;
    if (exception instanceof DatabaseUnavailableError) return OAuthError.databaseUnavailable(exception.retryAfter);
    if (exception instanceof ThrottleUnavailableError) return OAuthError.unavailable(exception.cause, exception.retryAfter);
    if (exception instanceof SigningKeyUndecryptableError) {
      // Logged once per request as a warning (the cause names the key and the fix), answered 503.
      const err = new OAuthError('temporarily_unavailable', `the server cannot sign tokens right now; retry after ${exception.retryAfter} seconds`, HttpStatus.SERVICE_UNAVAILABLE);
      err.retryAfter = exception.retryAfter;
      err.cause = exception;
      return err;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const response = exception.getResponse();
      const message = typeof response === 'object' && response && 'message' in response ? (response as { message: unknown }).message : exception.message;
      return new OAuthError('invalid_request', Array.isArray(message) ? message.join('; ') : String(message), exception.getStatus());
    }
    const error = OAuthError.serverError();
    error.cause = exception;
    return error;
  }

  /** The same error, to be sent back to the client's verified redirect URI. */
  withRedirect(redirect: ErrorRedirect): this {
    this.redirect = redirect;
    return this;
  }

  /** §5.2 invalid_request: a missing, repeated, or malformed parameter. */
  static invalidRequest(description: string) {
    return new OAuthError('invalid_request', description);
  }
  /** §5.2 invalid_client: client authentication failed (401, with a `WWW-Authenticate: Basic` challenge). */
  static invalidClient(description = 'client authentication failed') {
    return new OAuthError('invalid_client', description, HttpStatus.UNAUTHORIZED);
  }
  /** §5.2 invalid_grant: the code, refresh token or credentials are invalid, expired, revoked or not this client's. */
  static invalidGrant(description: string) {
    return new OAuthError('invalid_grant', description);
  }
  /** §5.2 unauthorized_client: the client may not use this grant or response type. */
  static unauthorizedClient(description: string) {
    return new OAuthError('unauthorized_client', description);
  }
  static unsupportedGrantType(description = 'grant_type is not supported') {
    return new OAuthError('unsupported_grant_type', description);
  }
  static unsupportedResponseType(description = 'response_type is not supported') {
    return new OAuthError('unsupported_response_type', description);
  }
  /** RFC 7009 §2.2.1. */
  static unsupportedTokenType(description = 'token type is not supported') {
    return new OAuthError('unsupported_token_type', description);
  }
  static invalidScope(description: string) {
    return new OAuthError('invalid_scope', description);
  }
  static accessDenied(description = 'the resource owner denied the request') {
    return new OAuthError('access_denied', description);
  }
  static serverError(detail?: string) {
    return new OAuthError('server_error', 'the server could not complete the request', HttpStatus.INTERNAL_SERVER_ERROR, detail);
  }
  /**
   * Too many failed credential checks: 429 with Retry-After. RFC 6749 §5.2 has no code for this;
   * temporarily_unavailable (§4.1.2.1) is the closest in meaning, and clients already handle it.
   */
  static tooManyAttempts(retryAfter: number) {
    const err = new OAuthError('temporarily_unavailable', `too many failed attempts; retry after ${retryAfter} seconds`, HttpStatus.TOO_MANY_REQUESTS);
    err.retryAfter = retryAfter;
    return err;
  }
  /**
   * A store the request needs is down (the failed-attempt counters in Redis): 503 with
   * Retry-After, temporarily_unavailable (§4.1.2.1). Credentials are then not checked at all, so an
   * outage never turns into unlimited guessing.
   */
  static unavailable(cause: unknown, retryAfter = 5) {
    const err = new OAuthError('temporarily_unavailable', `the server cannot check this right now; retry after ${retryAfter} seconds`, HttpStatus.SERVICE_UNAVAILABLE);
    err.retryAfter = retryAfter;
    err.cause = cause;
    return err;
  }
  /**
   * The database cannot take the request now (down, full, read-only): 503 temporarily_unavailable
   * with Retry-After. Not logged per request: the database logs the outage once, start and end.
   */
  static databaseUnavailable(retryAfter = 5) {
    const err = new OAuthError('temporarily_unavailable', `the server cannot complete this request right now; retry after ${retryAfter} seconds`, HttpStatus.SERVICE_UNAVAILABLE);
    err.retryAfter = retryAfter;
    return err;
  }
  /** RFC 6750 §3.1: unknown, expired, revoked or malformed bearer token (401). */
  static invalidToken(description = 'the access token is invalid, expired or revoked') {
    return new OAuthError('invalid_token', description, HttpStatus.UNAUTHORIZED);
  }
  /** OpenID Connect Core §3.1.2.6: prompt=none, but the user would have to sign in. */
  static loginRequired(description = 'the user must sign in') {
    return new OAuthError('login_required', description);
  }
  /** OpenID Connect Core §3.1.2.6: prompt=none, but the user would have to consent. */
  static consentRequired(description = 'the user must consent') {
    return new OAuthError('consent_required', description);
  }
  /** RFC 7591 §3.2.2: a redirect URI that may not be registered. */
  static invalidRedirectUri(description: string) {
    return new OAuthError('invalid_redirect_uri', description);
  }
  /** RFC 7591 §3.2.2: a metadata field that is invalid or not allowed. */
  static invalidClientMetadata(description: string) {
    return new OAuthError('invalid_client_metadata', description);
  }
  /** RFC 8707 §2: a resource that is unknown, not absolute, has a fragment, or was not authorized. */
  static invalidTarget(description: string) {
    return new OAuthError('invalid_target', description);
  }
  /** OpenID Connect Core §6.1: the `request` parameter (a request object) is not supported. */
  static requestNotSupported() {
    return new OAuthError('request_not_supported', 'request objects (the request parameter) are not supported');
  }
  /** OpenID Connect Core §6.2: a `request_uri` other than one this server issued (RFC 9126). */
  static requestUriNotSupported() {
    return new OAuthError('request_uri_not_supported', 'request_uri is supported only for pushed authorization requests');
  }
  /** RFC 6750 §3.1: the token lacks a scope (403). */
  static insufficientScope(scope: string) {
    const err = new OAuthError('insufficient_scope', `this resource needs the scope "${scope}"`, HttpStatus.FORBIDDEN);
    err.requiredScope = scope;
    return err;
  }
}

/** Logs what the client is not told: an unexpected exception's stack, an error's private detail. */
export function logOAuthError(logger: Logger, error: OAuthError): void {
  // A database outage is logged once, when it starts and ends (DatabaseOutage), not per request.
  if (error.cause instanceof DatabaseUnavailableError) return;
  if (error.cause !== undefined && error.status === HttpStatus.SERVICE_UNAVAILABLE) {
    // An outage repeats on every request while it lasts: one line each, no stack.
    logger.warn(`${error.code}: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`);
  } else if (error.cause !== undefined) {
    const cause = error.cause;
    logger.error(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
  } else if (error.detail) {
    logger.warn(`${error.code}: ${error.detail}`);
  }
}
