import { Injectable } from '@nestjs/common';
import { PUSHED_REQUEST_URI_PREFIX, PushedRequestsService } from '../authorization-requests/pushed-requests.service';
import { OAuthError } from '../grants/oauth-error';
import { Params } from '../web/form-params';

/** A pushed request the authorization endpoint is serving. */
export interface ResolvedPushedRequest {
  id: number;
  params: Params;
}

/**
 * The authorization endpoint's side of RFC 9126 (§4): `client_id` + a request_uri this server
 * issued stand for the pushed parameters. Any other request_uri is left to the endpoint, which
 * refuses it (OpenID Connect Core §6.2).
 */
@Injectable()
export class PushedRequestResolver {
  constructor(private readonly pushed: PushedRequestsService) {}

  async resolve(params: Params, repeated: readonly string[]): Promise<ResolvedPushedRequest | null> {
    const requestUri = params.request_uri;
    if (requestUri === undefined || !requestUri.startsWith(PUSHED_REQUEST_URI_PREFIX)) return null;
    // The client and its redirect URI are not verified yet: errors are shown here, never redirected.
    const refuse = (description: string) => new OAuthError('invalid_request_uri', description);
    if (repeated.includes('request_uri') || repeated.includes('client_id')) throw refuse('request_uri and client_id must be sent once');
    if (!params.client_id) throw refuse('client_id is required with request_uri');
    const found = await this.pushed.find(requestUri);
    // §4: the request_uri must have been pushed by this very client.
    if (!found || found.clientId !== params.client_id) throw refuse('request_uri is unknown, expired, already used, or not this client\'s');
    return { id: found.id, params: { ...found.params, client_id: found.clientId } };
  }

  /** Marks it used; false when another request used it first. */
  use(request: ResolvedPushedRequest): Promise<boolean> {
    return this.pushed.use(request.id);
  }
}
