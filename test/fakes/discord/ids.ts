import { randomBytes } from 'node:crypto';

/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from it. */
const DISCORD_EPOCH = 1_420_070_400_000n;

let lastMillis = 0n;
let increment = 0n;

/**
 * A fresh, strictly increasing snowflake id as a decimal string.
 *
 * Real snowflakes are used (not a plain counter) because discord.js derives
 * `createdTimestamp` from ids, and code under test may reason about the age of
 * an interaction or message.
 */
export function nextSnowflake(): string {
  const millis = BigInt(Date.now()) - DISCORD_EPOCH;
  if (millis > lastMillis) {
    lastMillis = millis;
    increment = 0n;
  } else {
    // Same (or an earlier, if the clock stepped back) millisecond: bump the
    // 12-bit increment, borrowing the next millisecond when it overflows, so
    // that ids keep increasing.
    increment += 1n;
    if (increment > 0xfffn) {
      lastMillis += 1n;
      increment = 0n;
    }
  }
  return ((lastMillis << 22n) | increment).toString();
}

/** A random interaction token, url-safe like Discord's. */
export function randomToken(): string {
  return `aW50ZXJhY3Rpb24${randomBytes(48).toString('base64url')}`;
}

/** A random gateway session id (32 hex characters, like Discord's). */
export function randomSessionId(): string {
  return randomBytes(16).toString('hex');
}
