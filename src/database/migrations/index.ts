import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { ConsentGrants1795982351395 } from './1795982351395-consent-grants';
import { DropCodeResponseType1796110355854 } from './1796110355854-drop-code-response-type';
import { AuditEvents1796120000000 } from './1796120000000-audit-events';
import { UserSessions1796130000000 } from './1796130000000-user-sessions';
import { PendingAuthorizationRequests1796130000001 } from './1796130000001-pending-authorization-requests';
import { AuthThrottle1796130000002 } from './1796130000002-auth-throttle';
import { SigningKeys1796140000000 } from './1796140000000-signing-keys';
import { TokenFamilyOnlyWithRefresh1796140000001 } from './1796140000001-token-family-only-with-refresh';
import { ClientVetted1796150000000 } from './1796150000000-client-vetted';
import { UsernameCanonical1796180000000 } from './1796180000000-username-canonical';
import { ClientRegistrations1796200000000 } from './1796200000000-client-registrations';
import { ResourceIndicators1796200000001 } from './1796200000001-resource-indicators';
import { DeviceCodes1796210000000 } from './1796210000000-device-codes';
import { PushedAuthorizationRequests1796210000001 } from './1796210000001-pushed-authorization-requests';
import { UsedJtis1796210000002 } from './1796210000002-used-jtis';
import { TokenJkt1796210000003 } from './1796210000003-token-jkt';
import { ServerLease1796220000000 } from './1796220000000-server-lease';
import { CodeDpopJkt1796230000000 } from './1796230000000-code-dpop-jkt';

/** Every migration, in order. Released migrations are never edited: add a new one. */
export const migrations = [
  InitialSchema1764400000000,
  ConsentGrants1795982351395,
  DropCodeResponseType1796110355854,
  AuditEvents1796120000000,
  UserSessions1796130000000,
  PendingAuthorizationRequests1796130000001,
  AuthThrottle1796130000002,
  SigningKeys1796140000000,
  TokenFamilyOnlyWithRefresh1796140000001,
  ClientVetted1796150000000,
  UsernameCanonical1796180000000,
  ClientRegistrations1796200000000,
  ResourceIndicators1796200000001,
  DeviceCodes1796210000000,
  PushedAuthorizationRequests1796210000001,
  UsedJtis1796210000002,
  TokenJkt1796210000003,
  ServerLease1796220000000,
  CodeDpopJkt1796230000000,
];
