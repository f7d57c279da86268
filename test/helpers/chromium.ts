import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags of a quiet headless Chromium that talks to nobody. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Debian's chromium, installed with apt-get when it is missing and we are root (as in CI);
 * otherwise an error that says how to install it.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
    spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', env });
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run apt-get update && apt-get install -y chromium`);
  return CHROMIUM;
}

/** Launches headless Chromium through playwright-core (which downloads no browser of its own). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_FLAGS, timeout: 120_000 });
}
