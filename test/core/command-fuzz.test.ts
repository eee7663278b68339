import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplySurface } from '../../src/core/command.js';
import { parseCommandText } from '../../src/core/command-text.js';
import { dispatch, reportError } from '../../src/core/dispatch.js';
import { startConsoleWorld, TEST_API_KEY, type World } from '../support/bot-world.js';

const INJECTIONS = [
  "'; DROP TABLE keys; --",
  '<@everyone>',
  '@here',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style string is the point.
  '${jndi:ldap://127.0.0.1/x}',
  '../../etc/passwd',
  '`rm -rf /`',
  '<script>alert(1)</script>',
  '{"input":{"api_key":"x"}}',
  '%00%0d%0a',
  '\u0000\u0007\u001b[31m',
  '\u202eevil',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧‍👦',
];

const jobIdLike = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
  fc.constantFrom(...INJECTIONS),
  fc.constant('x'.repeat(10_240)),
  fc.constant(''),
);

const commandText = fc.oneof(
  jobIdLike.map((id) => `/skidio status ${id}`),
  jobIdLike.map((id) => `status ${id} private`),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...INJECTIONS).map((text) => `/skidio ${text}`),
  fc.constant(`/skidio ${'y'.repeat(10_240)}`),
  fc.constantFrom('', ' ', '/skidio', 'help', 'key', 'key show', 'key set', 'key   clear'),
);

/** A reply surface that only records what it was asked to say. */
function recordingSurface(): ReplySurface & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    delivery: { kind: 'fuzz' },
    async progress(reply) {
      said.push(reply.text);
    },
    async result(reply) {
      said.push(reply.text);
    },
    async error(text) {
      said.push(text);
    },
    async privateText(text) {
      said.push(text);
    },
  };
}

describe('fuzzing the command layer', () => {
  let world: World;
  beforeAll(async () => {
    world = await startConsoleWorld();
    await world.services.watcher.start();
    await world.services.keys.set('fuzz:ws', TEST_API_KEY, 'fuzzer');
  });
  afterAll(async () => {
    await world.close();
  });

  it('answers 1,200 generated commands clearly; invalid job ids never reach the API', async () => {
    const texts = fc.sample(commandText, { numRuns: 1_200, seed: 20261128 });
    const validIdsSent = new Set<string>();
    let replies = 0;
    let skipped = 0;
    for (const text of texts) {
      const reply = recordingSurface();
      try {
        const parsed = parseCommandText(text, world.services.commands);
        // `key set` and `key clear` would change the workspace's key and so what later commands can do.
        if (['key set', 'key clear'].includes(parsed.command.path.join(' '))) {
          skipped++;
          continue;
        }
        const requester = { id: 'U-fuzz', displayName: 'fuzzer', mention: '<@U-fuzz>', isAdmin: true };
        await dispatch(
          { platform: 'test', workspace: 'fuzz:ws', requester, ...parsed },
          reply,
          world.services,
        );
        // A watch answers after its command returned.
        await world.services.watcher.idle();
        const id = parsed.options.job_id;
        if (typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id.trim()) && !id.includes('..')) {
          validIdsSent.add(id.trim());
        }
      } catch (error) {
        await reportError(error, reply, world.services.logger);
      }
      expect(reply.said.length).toBeGreaterThan(0);
      for (const line of reply.said) {
        expect(line.length).toBeGreaterThan(0);
        expect(line.length).toBeLessThan(2_000);
        expect(line).not.toContain(TEST_API_KEY);
      }
      replies += reply.said.length;
    }
    expect(skipped).toBeLessThan(100);
    expect(replies).toBeGreaterThanOrEqual(texts.length - skipped);
    // The sample must exercise both sides: ids that reach the API and ids that must not.
    expect(validIdsSent.size).toBeGreaterThan(50);
    expect(validIdsSent.size).toBeLessThan(texts.length - 300);
    const askedIds = new Set(world.simulator.requests.map((request) => request.jobId));
    expect(askedIds.size).toBe(validIdsSent.size);
    for (const id of askedIds) expect(validIdsSent.has(String(id))).toBe(true);
    expect(world.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });
});
