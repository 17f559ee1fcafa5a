import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPES = 'gatehouse:required-scopes';

/** The scopes a bearer token must carry for this route (RFC 6750 §3.1 insufficient_scope otherwise). */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
