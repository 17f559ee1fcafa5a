import type { Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidInputError, validateInput } from '../common/dto/validation';
import { ClientMetadataInput, clientOidcDefaults } from '../clients/client-metadata';
import { Client } from '../clients/client.entity';
import { CONSOLE_GRANT_TYPES, ClientFormValues } from './views/client-form.view';

export type FormBody = Readonly<Record<string, string | string[] | undefined>>;

/** The urlencoded body as @fastify/formbody parsed it: a repeated name (checkboxes) is an array. */
export function formBody(req: FastifyRequest): FormBody {
  const body = req.body;
  return body && typeof body === 'object' ? (body as FormBody) : {};
}

/** One value of a single-valued field: a repeated one counts as its first. */
export function one(body: FormBody, name: string): string {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function many(body: FormBody, name: string): string[] {
  const value = body[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** What the registration form sent, as typed. */
export function clientFormValues(body: FormBody): ClientFormValues {
  return {
    client_name: one(body, 'client_name'),
    client_uri: one(body, 'client_uri'),
    scope: one(body, 'scope'),
    redirect_uris: many(body, 'redirect_uris').join('\n'),
    grant_types: many(body, 'grant_types'),
    response_types: many(body, 'response_types'),
    token_endpoint_auth_method: one(body, 'token_endpoint_auth_method'),
    allowed_cors_origins: one(body, 'allowed_cors_origins'),
    post_logout_redirect_uris: many(body, 'post_logout_redirect_uris').join('\n'),
    access_token_format: one(body, 'access_token_format'),
    id_token_signed_response_alg: one(body, 'id_token_signed_response_alg'),
    jwks_uri: one(body, 'jwks_uri'),
    jwks: one(body, 'jwks'),
  };
}

/** A stored client as the form shows it. */
export function clientToFormValues(client: Client): ClientFormValues {
  const m = client.metadata;
  return {
    client_name: m.client_name,
    client_uri: m.client_uri ?? '',
    scope: m.scope,
    redirect_uris: m.redirect_uris.join('\n'),
    grant_types: [...m.grant_types],
    response_types: [...m.response_types],
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    allowed_cors_origins: (m.allowed_cors_origins ?? []).join('\n'),
    post_logout_redirect_uris: clientOidcDefaults.postLogoutRedirectUris(m).join('\n'),
    access_token_format: clientOidcDefaults.accessTokenFormat(m),
    id_token_signed_response_alg: clientOidcDefaults.idTokenAlg(m),
    jwks_uri: m.jwks_uri ?? '',
    jwks: m.jwks ? JSON.stringify(m.jwks) : '',
  };
}

/**
 * The form as RFC 7591 metadata: the form's seven fields, the CORS origins and the OpenID Connect
 * three (never skip_consent or introspection, which only the operator sets). URIs and origins are
 * one per line; blank lines are dropped.
 */
export function clientMetadataFromForm(v: ClientFormValues): Record<string, unknown> {
  return {
    client_name: v.client_name.trim(),
    client_uri: v.client_uri.trim(),
    scope: v.scope.trim().replace(/\s+/g, ' '),
    redirect_uris: v.redirect_uris.split(/\r?\n/).map((u) => u.trim()).filter(Boolean),
    grant_types: v.grant_types,
    response_types: v.response_types,
    token_endpoint_auth_method: v.token_endpoint_auth_method,
    allowed_cors_origins: v.allowed_cors_origins.split(/\r?\n/).map((u) => u.trim()).filter(Boolean),
    post_logout_redirect_uris: v.post_logout_redirect_uris.split(/\r?\n/).map((u) => u.trim()).filter(Boolean),
    // Left out when the form did not send them: the stored value (or the default) stays.
    ...(v.access_token_format ? { access_token_format: v.access_token_format } : {}),
    ...(v.id_token_signed_response_alg ? { id_token_signed_response_alg: v.id_token_signed_response_alg } : {}),
    ...(v.jwks_uri.trim() ? { jwks_uri: v.jwks_uri.trim() } : {}),
    ...(v.jwks.trim() ? { jwks: parseJson(v.jwks) } : {}),
  };
}

/** JSON text as a value; text that is not JSON stays text (and fails the DTO's object check, naming the field). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The console's own rules on top of the admin API's checks: the bad fields with their reasons. */
export function consoleFieldErrors(v: ClientFormValues): Record<string, string> {
  const offered = CONSOLE_GRANT_TYPES as readonly string[];
  const refused = v.grant_types.find((g) => !offered.includes(g));
  if (refused === 'password') return { grant_types: 'the password grant is registered by the server operator only' };
  return {};
}

/** A form through validateInput: the bad fields with their reasons, or {} and the typed value. */
export async function validateAs<T extends object>(dto: Type<T>, plain: Record<string, unknown>): Promise<{ errors: Record<string, string>; value: T }> {
  try {
    return { errors: {}, value: await validateInput(dto, plain) };
  } catch (err) {
    if (err instanceof InvalidInputError) return { errors: err.fields, value: plain as T };
    throw err;
  }
}

export type { ClientMetadataInput };
