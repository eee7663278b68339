/**
 * Finds the Redis the tests may use: `REDIS_URL`, else the machine's own at 127.0.0.1:6379. Tests that need
 * it skip with a clear message when it is not reachable, unless `REQUIRE_SERVICES=1` (set by `.ci/run`), in
 * which case they fail: CI must never pass by skipping them.
 */
import { connect } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a TCP connection to the Redis host and port succeeds within a second. */
export async function redisReachable(url: string = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379), timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether to run Redis tests; prints why not, or throws under REQUIRE_SERVICES=1. */
export async function shouldRunRedisTests(): Promise<boolean> {
  if (await redisReachable()) return true;
  const message = `Redis is not reachable at ${REDIS_URL}: skipping the Redis store tests (set REDIS_URL to run them).`;
  if (process.env.REQUIRE_SERVICES === '1')
    throw new Error(`${message} REQUIRE_SERVICES=1 forbids skipping.`);
  console.warn(message);
  return false;
}
