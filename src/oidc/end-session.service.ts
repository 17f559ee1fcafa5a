import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { clientOidcDefaults } from '../clients/client-metadata';
import { OAuthError } from '../grants/oauth-error';
import { matchRedirectUri } from '../grants/redirect-uri';
import { IdTokenService } from '../keys/id-token.service';
import { Params } from '../web/form-params';

/** A verified end-session request: where to send the browser afterwards, if anywhere. */
export interface EndSessionRequest {
  clientId?: string;
  clientName?: string;
  /** Registered for the client, so it is safe to redirect to. */
  postLogoutRedirectUri?: string;
  state?: string;
  /** `sub` of the id_token_hint, when one was sent. */
  hintSub?: string;
  /** The verified id_token_hint itself, carried through the confirmation form. */
  idTokenHint?: string;
}

const MAX_STATE = 2048;

/**
 * OpenID Connect RP-Initiated Logout 1.0 §2-§3: checks an end-session request. Every refusal is an
 * OAuthError without a redirect, shown as a page: an unverified post_logout_redirect_uri is never
 * followed (§3.1). A registered one is followed only with a valid id_token_hint (see mayRedirect).
 */
@Injectable()
export class EndSessionService {
  constructor(
    private readonly clients: ClientsService,
    private readonly idTokens: IdTokenService,
  ) {}

  async parse(params: Params): Promise<EndSessionRequest> {
    let hintSub: string | undefined;
    let clientId = params.client_id;
    if (params.id_token_hint) {
      // §2: the hint is an ID token this server issued; an expired one is fine.
      const hint = await this.idTokens.verifyHint(params.id_token_hint);
      if (!hint) throw OAuthError.invalidRequest('id_token_hint is not an ID token issued by this server');
      if (clientId && !hint.aud.includes(clientId)) throw OAuthError.invalidRequest('id_token_hint was not issued to client_id');
      clientId ??= hint.aud.length === 1 ? hint.aud[0] : undefined;
      hintSub = hint.sub;
    }
    if (params.state !== undefined && params.state.length > MAX_STATE) throw OAuthError.invalidRequest('state is too long');
    const client = clientId ? await this.clients.findByClientId(clientId) : null;
    if (clientId && !client) throw OAuthError.invalidRequest('unknown client_id');

    if (params.post_logout_redirect_uri === undefined) return { clientId, clientName: client?.metadata.client_name, hintSub };
    // §3: the client must be identified to check the URI against its registration.
    if (!client) throw OAuthError.invalidRequest('post_logout_redirect_uri needs client_id or id_token_hint');
    const uri = matchRedirectUri(params.post_logout_redirect_uri, clientOidcDefaults.postLogoutRedirectUris(client.metadata));
    if (!uri) throw OAuthError.invalidRequest('post_logout_redirect_uri is not registered for this client');
    return {
      clientId: client.clientId,
      clientName: client.metadata.client_name,
      postLogoutRedirectUri: params.post_logout_redirect_uri,
      state: params.state,
      hintSub,
      ...(hintSub !== undefined ? { idTokenHint: params.id_token_hint } : {}),
    };
  }
}
