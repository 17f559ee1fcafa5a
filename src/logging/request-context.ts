import { AsyncLocalStorage } from 'node:async_hooks';

/** What the code below a controller may want to know about the request it serves. */
export interface RequestContext {
  /** The client IP as the server sees it (behind a proxy: only with TRUST_PROXY). */
  ip: string;
}

/**
 * Carried implicitly from the route handler down, so a service that records an audit event need
 * not take the request as a parameter.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();
