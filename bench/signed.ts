/**
 * The load loops whose every request is built on the spot (run inside the load worker, on the load
 * generator's CPU): RFC 7523 client assertions, RFC 9449 DPoP proofs, and RFC 8628 device-code polls
 * paced per device code. A fixed request cannot measure these: an assertion's and a proof's jti is
 * accepted once, and a device code polled faster than its interval is answered slow_down. The JWS
 * signing is node:crypto's synchronous ECDSA (ES256), so its cost lands on the generator, never on
 * the server whose CPU per request the bench reports.
 */
import { createHash, createPrivateKey, JsonWebKey, KeyObject, randomUUID, sign } from 'node:crypto';
import { Agent } from 'node:http';
import { describe, loop, send } from './flows';
import { Recorder, RunResult } from './stats';
import { sleep } from './proc';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A compact ES256 JWS (RFC 7515) of `payload` under `header`. */
export function signEs256(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'ES256', ...header })}.${b64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** client_credentials with private_key_jwt: every request carries a new assertion (own jti, exp in 60 s). */
export interface AssertionJob {
  origin: string;
  duration: number;
  connections: number;
  clientId: string;
  /** The token endpoint URL as the server names it (the assertion's aud). */
  audience: string;
  /** The client's ES256 private key (JWK with d) and its kid. */
  privateJwk: JsonWebKey;
  kid: string;
  scope: string;
}

export async function assertionGrants(job: AssertionJob): Promise<RunResult> {
  const key = createPrivateKey({ key: job.privateJwk, format: 'jwk' });
  const url = new URL('/oauth/token', job.origin);
  return run(job, async (agent, rec) => {
    const iat = nowS();
    const assertion = signEs256(key, { typ: 'JWT', kid: job.kid }, { iss: job.clientId, sub: job.clientId, aud: job.audience, jti: randomUUID(), iat, exp: iat + 60 });
    const body = new URLSearchParams({
      grant_type: 'client_credentials', scope: job.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    }).toString();
    const t0 = performance.now();
    const res = await send(agent, 'POST', url, FORM, body);
    const ms = performance.now() - t0;
    if (res.status === 200) rec.ok(ms);
    else rec.failed(ms, describe('POST', url, res), res.status);
  });
}

/** GET /api/profile with a DPoP-bound access token: a new proof (jti, iat, ath) per request. */
export interface DpopProfileJob {
  origin: string;
  duration: number;
  connections: number;
  accessToken: string;
  /** The key the token is bound to: private JWK (with d) and public JWK (the proof's header). */
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  /** The resource URL as the server names it (issuer + path): the proof's htu. */
  htu: string;
}

export async function dpopProfiles(job: DpopProfileJob): Promise<RunResult> {
  const key = createPrivateKey({ key: job.privateJwk, format: 'jwk' });
  const url = new URL('/api/profile', job.origin);
  const ath = createHash('sha256').update(job.accessToken).digest('base64url');
  const authorization = `DPoP ${job.accessToken}`;
  return run(job, async (agent, rec) => {
    const proof = signEs256(key, { typ: 'dpop+jwt', jwk: job.publicJwk }, { htm: 'GET', htu: job.htu, jti: randomUUID(), iat: nowS(), ath });
    const t0 = performance.now();
    const res = await send(agent, 'GET', url, { authorization, dpop: proof });
    const ms = performance.now() - t0;
    if (res.status === 200) rec.ok(ms);
    else rec.failed(ms, describe('GET', url, res), res.status);
  });
}

/**
 * Device-code polling (RFC 8628 §3.4) of pending device codes. The codes are polled round-robin, each
 * no sooner than its interval after its previous poll (a connection waits for the next code due), so
 * the measured answer is authorization_pending, what a waiting device hears. slow_down (a code polled
 * early: the server's clock decides) is an expected answer too, counted apart; its code then waits 5
 * seconds longer, as the server asks (§3.5). Anything else is an error. Rates are bounded by
 * codes / interval: the run reports what it was paced at.
 */
export interface DevicePollJob {
  origin: string;
  duration: number;
  connections: number;
  clientId: string;
  deviceCodes: string[];
  /** Seconds between two polls of one code (the interval the device authorization answered). */
  interval: number;
}

/** When each device code may be polled next, and its interval: kept from run to run (the worker lives on). */
const deviceCodeState = new Map<string, { code: string; due: number; interval: number }>();

export async function devicePolls(job: DevicePollJob): Promise<RunResult> {
  const url = new URL('/oauth/token', job.origin);
  // Due times in ms; codes taken in due order (a FIFO: every code waits the same interval).
  const queue = job.deviceCodes.map((code) => {
    let state = deviceCodeState.get(code);
    if (!state) deviceCodeState.set(code, (state = { code, due: 0, interval: job.interval }));
    return state;
  });
  queue.sort((a, b) => a.due - b.due);
  const deadline = performance.now() + job.duration * 1000;
  return run(job, async (agent, rec) => {
    const next = queue.shift();
    if (!next) return sleep(10);
    const wait = next.due - performance.now();
    if (wait > 0) {
      if (performance.now() + wait >= deadline) {
        queue.unshift(next);
        return sleep(Math.max(0, deadline - performance.now()));
      }
      await sleep(wait);
    }
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: next.code, client_id: job.clientId }).toString();
    const t0 = performance.now();
    try {
      const res = await send(agent, 'POST', url, FORM, body);
      const ms = performance.now() - t0;
      let error: unknown;
      try {
        error = (JSON.parse(res.body) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      if (res.status === 400 && error === 'slow_down') next.interval += 5;
      if (res.status === 400 && (error === 'authorization_pending' || error === 'slow_down')) rec.ok(ms, `400 ${error}`);
      else rec.failed(ms, describe('POST', url, res), res.status);
    } finally {
      // 200 ms beyond the interval: the server compares whole seconds of its own clock.
      next.due = performance.now() + next.interval * 1000 + 200;
      queue.push(next);
    }
  });
}

/** `connections` keep-alive workers running `request` until the deadline; connection errors are counted. */
async function run(job: { duration: number; connections: number; origin: string }, request: (agent: Agent, rec: Recorder) => Promise<void>): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const rec = new Recorder();
  const elapsed = await loop(job.connections, job.duration, async () => {
    const t0 = performance.now();
    try {
      await request(agent, rec);
    } catch (err) {
      rec.failed(performance.now() - t0, `${new URL(job.origin).host}: ${(err as Error).message}`);
    }
  });
  agent.destroy();
  return rec.result(elapsed);
}
