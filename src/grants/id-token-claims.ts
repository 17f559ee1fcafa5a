import { Client } from '../clients/client.entity';
import { userClaims } from '../users/user-claims';
import { UsersService } from '../users/users.service';

/**
 * The user's claims for an ID token issued beside an access token: none (they are at userinfo,
 * OpenID Connect Core §5.4) unless the client asked for them there too (`id_token_claims`).
 */
export async function idTokenClaims(client: Client, users: UsersService, userId: number, scope: string): Promise<Record<string, unknown> | undefined> {
  if (client.metadata.id_token_claims !== true) return undefined;
  const user = await users.findById(userId);
  return user ? userClaims(user, scope) : undefined;
}
