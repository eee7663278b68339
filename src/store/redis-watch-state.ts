/**
 * The watch state on Redis, shared by every instance. Each method that reads then writes is one Lua script, so
 * two instances never act on a stale read: in particular `join` and `endIfEmpty` exclude each other, which is
 * what guarantees that a person joining while a watch ends is either seen by the end or starts a new watch.
 *
 * Keys, with `k` the base64url of `JSON.stringify([workspace, jobId])` (both may contain ':'):
 * `watch:k` hash (workspace, jobId, startedAt, generation, lastStatus), `askers:k` hash (asker id → JSON),
 * `claim:k:askerId`, the set `watches` of every k, the cap counters `count:ws:<workspace>` and `count:total`,
 * and `gen:k`, never reset, so the next watch of the same job gets a new generation.
 */
import type { Redis } from 'ioredis';
import type { ProgressStatus, StoredAsker, WatchKey } from '../core/watcher/types.js';
import type { JoinOutcome, StoredWatch, WatchState } from '../core/watcher/watch-state.js';

/**
 * KEYS: watch, askers, watches, count:ws, count:total, gen.
 * ARGV: k, askerId, askerJson, perWorkspace, total, now, workspace, jobId.
 * Caps are checked only when a new watch would start, in the same script, so two instances cannot both pass.
 */
const JOIN = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local w = redis.call('HMGET', KEYS[1], 'startedAt', 'generation', 'lastStatus', 'lastState')
  local asker = ARGV[3]
  -- The joiner is told the last state by the instance that takes the command: marked heard in the same step,
  -- so a turn telling everyone that state right now does not tell them twice.
  if w[4] then asker = string.sub(asker, 1, -2) .. ',"heard":"' .. w[4] .. '"}' end
  redis.call('HSET', KEYS[2], ARGV[2], asker)
  return {'joined', w[1], w[2], w[3] or ''}
end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[4]) then return {'full', 'workspace', ARGV[4]} end
if tonumber(redis.call('GET', KEYS[5]) or '0') >= tonumber(ARGV[5]) then return {'full', 'bot', ARGV[5]} end
local gen = redis.call('INCR', KEYS[6])
redis.call('HSET', KEYS[1], 'workspace', ARGV[7], 'jobId', ARGV[8], 'startedAt', ARGV[6], 'generation', gen)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[4])
redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return {'started', ARGV[6], tostring(gen)}
`;

/** KEYS: watch, askers, watches, count:ws, count:total. ARGV: k. Counters only move when a watch really ends. */
const END_IF_EMPTY = `
if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call('SREM', KEYS[3], ARGV[1])
  for i = 4, 5 do
    if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
  end
end
return 1
`;

/** KEYS: askers. ARGV: askerId, json. A person who has left is not brought back by a late write. */
const UPDATE_ASKER = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`;

/** KEYS: watch. ARGV: json, state. A late status must not recreate an ended watch's hash. */
const SET_LAST_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastStatus', ARGV[1], 'lastState', ARGV[2]) end
return 1
`;

/**
 * KEYS: watch, askers, watches, count:ws, count:total. ARGV: k. Ends the watch whoever still waits on it (the
 * workspace removed the bot); counters move only when the watch was really there. Claims lapse on their own.
 */
const FORGET = `
redis.call('DEL', KEYS[2])
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call('SREM', KEYS[3], ARGV[1])
  for i = 4, 5 do
    if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
  end
  return 1
end
return 0
`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

/** base64url keeps any workspace or job id (':' included) to one unambiguous, colon-free key part. */
function encodeKey(key: WatchKey): string {
  return Buffer.from(JSON.stringify([key.workspace, key.jobId])).toString('base64url');
}

/** The watch key an encoded key stands for; undefined for a key this module did not write. */
function decodeKey(k: string): WatchKey | undefined {
  try {
    const [workspace, jobId] = JSON.parse(Buffer.from(k, 'base64url').toString('utf8')) as unknown[];
    return typeof workspace === 'string' && typeof jobId === 'string' ? { workspace, jobId } : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `lua` by EVALSHA (ioredis falls back to EVAL once per connection when Redis lacks the script). */
function script(redis: Redis, name: string, keys: number, lua: string): Script {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
  const command = (redis as unknown as Record<string, Script>)[name];
  if (!command) throw new Error(`ioredis did not define ${name}`);
  return command.bind(redis);
}

/**
 * Builds the state on `redis`, every key under `options.prefix`. The caller owns the client: `close()` leaves it
 * open (other parts of the bot share it), so the caller quits it after everything that uses it has stopped.
 */
export function createRedisWatchState(redis: Redis, options: { prefix: string }): WatchState {
  const { prefix } = options;
  const join = script(redis, 'skidioWatchJoin', 6, JOIN);
  const endIfEmpty = script(redis, 'skidioWatchEndIfEmpty', 5, END_IF_EMPTY);
  const updateAsker = script(redis, 'skidioWatchUpdateAsker', 1, UPDATE_ASKER);
  const setLastStatus = script(redis, 'skidioWatchSetLastStatus', 1, SET_LAST_STATUS);
  const forget = script(redis, 'skidioWatchForget', 5, FORGET);

  const keysOf = (key: WatchKey) => {
    const k = encodeKey(key);
    return {
      k,
      watch: `${prefix}watch:${k}`,
      askers: `${prefix}askers:${k}`,
      watches: `${prefix}watches`,
      countWs: `${prefix}count:ws:${key.workspace}`,
      countTotal: `${prefix}count:total`,
      gen: `${prefix}gen:${k}`,
      claim: (askerId: string) => `${prefix}claim:${k}:${askerId}`,
    };
  };

  return {
    async join(key, asker, caps, now): Promise<JoinOutcome> {
      const keys = keysOf(key);
      const reply = (await join(
        ...[keys.watch, keys.askers, keys.watches, keys.countWs, keys.countTotal, keys.gen],
        ...[keys.k, asker.id, JSON.stringify(asker), caps.perWorkspace, caps.total, now],
        ...[key.workspace, key.jobId],
      )) as string[];
      const [kind, a = '', b = '', c = ''] = reply;
      if (kind === 'full') return { kind, scope: a === 'bot' ? 'bot' : 'workspace', limit: Number(b) };
      const watch: StoredWatch = { ...key, startedAt: Number(a), generation: Number(b) };
      if (kind === 'started') return { kind, watch };
      return { kind: 'joined', watch, lastStatus: c === '' ? undefined : (JSON.parse(c) as ProgressStatus) };
    },
    async askers(key) {
      const all = await redis.hgetall(keysOf(key).askers);
      return Object.values(all).map((json) => JSON.parse(json) as StoredAsker);
    },
    async updateAsker(key, asker) {
      await updateAsker(keysOf(key).askers, asker.id, JSON.stringify(asker));
    },
    async setLastStatus(key, status) {
      await setLastStatus(keysOf(key).watch, JSON.stringify(status), status.state);
    },
    async claim(key, askerId, ttlMs) {
      return (await redis.set(keysOf(key).claim(askerId), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async release(key, askerId) {
      await redis.del(keysOf(key).claim(askerId));
    },
    async finish(key, askerId) {
      const keys = keysOf(key);
      await redis.multi().hdel(keys.askers, askerId).del(keys.claim(askerId)).exec();
    },
    async endIfEmpty(key) {
      const keys = keysOf(key);
      const ended = await endIfEmpty(
        keys.watch,
        keys.askers,
        keys.watches,
        keys.countWs,
        keys.countTotal,
        keys.k,
      );
      return ended === 1;
    },
    async get(key) {
      const [startedAt, generation] = await redis.hmget(keysOf(key).watch, 'startedAt', 'generation');
      if (startedAt == null || generation == null) return undefined;
      return { ...key, startedAt: Number(startedAt), generation: Number(generation) };
    },
    async list() {
      const found: StoredWatch[] = [];
      const seen = new Set<string>();
      // SSCAN, not SMEMBERS: a deployment may hold tens of thousands of watches. SSCAN may repeat a member.
      for await (const batch of redis.sscanStream(`${prefix}watches`, { count: 500 })) {
        const fresh = (batch as string[]).filter((k) => !seen.has(k));
        for (const k of fresh) seen.add(k);
        const pipeline = redis.pipeline();
        for (const k of fresh) {
          pipeline.hmget(`${prefix}watch:${k}`, 'workspace', 'jobId', 'startedAt', 'generation');
        }
        for (const [error, fields] of (await pipeline.exec()) ?? []) {
          const [workspace, jobId, startedAt, generation] = (fields ?? []) as (string | null)[];
          // A watch that ended between the scan and the read is simply not listed.
          if (error || workspace == null || jobId == null || startedAt == null || generation == null)
            continue;
          found.push({ workspace, jobId, startedAt: Number(startedAt), generation: Number(generation) });
        }
      }
      return found;
    },
    async forgetWorkspace(workspace) {
      // The workspace is in each member's (encoded) name: one scan finds its watches without reading them.
      // SSCAN may repeat a member: the map keeps each once.
      const found = new Map<string, WatchKey>();
      for await (const batch of redis.sscanStream(`${prefix}watches`, { count: 500 })) {
        for (const k of batch as string[]) {
          const key = decodeKey(k);
          if (key?.workspace === workspace) found.set(k, key);
        }
      }
      let forgotten = 0;
      for (const key of found.values()) {
        const keys = keysOf(key);
        forgotten += Number(
          await forget(keys.watch, keys.askers, keys.watches, keys.countWs, keys.countTotal, keys.k),
        );
      }
      return forgotten;
    },
    async close() {
      // Nothing of its own to close: the ioredis client belongs to the caller.
    },
  };
}
