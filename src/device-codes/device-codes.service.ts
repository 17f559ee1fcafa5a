import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, sha256 } from '../common/crypto';
import { Db } from '../database/db';
import { DeviceCode } from './device-code.entity';
import { DeviceCodesRepository } from './device-codes.repository';

/** RFC 8628 §6.1: consonants only (no vowels, so no words; no easily confused letters). */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
export const SLOW_DOWN_PENALTY = 5;

/** A new device authorization: the only time the codes exist in the clear. */
export interface IssuedDeviceCode {
  deviceCode: string;
  /** As shown to the user: XXXX-XXXX. */
  userCode: string;
  expiresIn: number;
  interval: number;
}

/**
 * The user code in its canonical form (8 letters of the alphabet, upper case, no dash), or null.
 * Users type it as they like: lower case, with or without the dash or spaces (RFC 8628 §6.1).
 */
export function canonicalUserCode(input: string | undefined): string | null {
  if (!input || input.length > 32) return null;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`).test(code) ? code : null;
}

/** XXXX-XXXX. */
export function displayUserCode(canonical: string): string {
  return `${canonical.slice(0, 4)}-${canonical.slice(4)}`;
}

/** 20^8 ≈ 2.6 × 10^10 codes: with the /device page's throttle, guessing a live one is hopeless (§5.1). */
function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/**
 * Device authorization requests (RFC 8628), in the database so that a code approved on one
 * instance is redeemed on another. Codes are looked up by their digests.
 */
@Injectable()
export class DeviceCodesService {
  constructor(
    private readonly codes: DeviceCodesRepository,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** §3.2: a new device code and user code for this client and scope. */
  async issue(clientId: string, scope: string): Promise<IssuedDeviceCode> {
    const now = this.clock.now();
    const expiresIn = this.config.deviceCodeTtl;
    for (let attempt = 0; ; attempt++) {
      const deviceCode = randomToken(32);
      const userCode = newUserCode();
      try {
        await this.codes.insert({
          deviceCodeHash: sha256(deviceCode),
          userCodeHash: sha256(userCode),
          clientId,
          scope,
          status: 'pending',
          userId: null,
          authTime: null,
          pollInterval: this.config.deviceCodeInterval,
          lastPolledAt: null,
          createdAt: now,
          expiresAt: now + expiresIn,
        });
        return { deviceCode, userCode: displayUserCode(userCode), expiresIn, interval: this.config.deviceCodeInterval };
      } catch (err) {
        // A user code already taken (unique digest): draw another, a few times at most.
        if (attempt >= 2) throw err;
      }
    }
  }

  /** The pending, unexpired request this user code names, or null (malformed, unknown, answered or expired). */
  async findPendingByUserCode(input: string | undefined): Promise<DeviceCode | null> {
    const code = canonicalUserCode(input);
    if (!code) return null;
    const row = await this.codes.findBy('user_code_hash', sha256(code));
    return row && row.status === 'pending' && !this.isExpired(row) ? row : null;
  }

  findById(id: number): Promise<DeviceCode | null> {
    return this.codes.findBy('id', id);
  }

  findByDeviceCode(deviceCode: string): Promise<DeviceCode | null> {
    return this.codes.findBy('device_code_hash', sha256(deviceCode));
  }

  isExpired(row: DeviceCode): boolean {
    return row.expiresAt <= this.clock.now();
  }

  /** The user approved: true only if the request was still pending (a second answer changes nothing). */
  approve(row: DeviceCode, userId: number, authTime: number): Promise<boolean> {
    return this.codes.transition(row.id, 'pending', 'approved', userId, authTime);
  }

  deny(row: DeviceCode, userId: number): Promise<boolean> {
    return this.codes.transition(row.id, 'pending', 'denied', userId, this.clock.now());
  }

  /** §3.5: true when this poll respects the interval; false (slow_down) otherwise, and the interval grows. */
  recordPoll(row: DeviceCode): Promise<boolean> {
    return this.codes.recordPoll(row.id, this.clock.now(), SLOW_DOWN_PENALTY);
  }

  /**
   * Marks an approved code used and runs `issue` in the same transaction: tokens exist only if
   * this caller was the one that used the code. Null when another request used it first.
   */
  redeem<T>(row: DeviceCode, issue: () => Promise<T>): Promise<T | null> {
    return this.db.transaction(async () => {
      if (!(await this.codes.transition(row.id, 'approved', 'used'))) return null;
      return issue();
    });
  }
}
