/**
 * The browser suites' Chromium: Debian's (`apt-get install chromium`, which .ci/run installs),
 * driven through playwright-core; never a downloaded browser.
 */
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Mandatory in CI; skipped on a machine without Chromium. */
export const describeWithBrowser = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

/** Headless, without the background traffic (updates, sync, QUIC) that would make runs differ. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
