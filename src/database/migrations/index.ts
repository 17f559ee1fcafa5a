import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { ConsentGrants1795982351395 } from './1795982351395-consent-grants';
import { DropCodeResponseType1796110355854 } from './1796110355854-drop-code-response-type';
import { AuditEvents1796120000000 } from './1796120000000-audit-events';
import { SigningKeys1796130000000 } from './1796130000000-signing-keys';

/** Every migration, in order. Released migrations are never edited: add a new one. */
export const migrations = [InitialSchema1764400000000, ConsentGrants1795982351395, DropCodeResponseType1796110355854, AuditEvents1796120000000, SigningKeys1796130000000];
