import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_WORKSPACE, createConsoleAdapter } from '../src/adapters/console/console-adapter.js';
import { startConsoleWorld, TEST_API_KEY, TEST_ENCRYPTION_SECRET, type World } from './support/bot-world.js';
import { createTestLogger } from './support/test-logger.js';

describe('logging', () => {
  it('redacts secret fields by name and scrubs registered secret values from any field', () => {
    const log = createTestLogger();
    log.secrets.add('xoxb-registered-token-123');
    log.logger.info({ input: { api_key: 'sk-field-secret-1', job_id: 'j1' } }, 'request');
    log.logger.info({ headers: { authorization: 'Bot abc.def.ghi' }, token: 'tok-secret-2' }, 'headers');
    log.logger.warn(
      { detail: 'the token xoxb-registered-token-123 was refused' },
      'said xoxb-registered-token-123',
    );
    const text = log.lines.join('\n');
    for (const secret of ['sk-field-secret-1', 'abc.def.ghi', 'tok-secret-2', 'xoxb-registered-token-123']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('"job_id":"j1"');
  });

  describe('a whole status flow with a known key', () => {
    let world: World | undefined;
    afterEach(async () => {
      await world?.close();
    });

    it('never writes the key, nor the encryption secret, to a log line or a reply', async () => {
      world = await startConsoleWorld();
      const input = new PassThrough();
      const output = new PassThrough();
      const replies: string[] = [];
      output.on('data', (chunk: Buffer) => replies.push(chunk.toString('utf8')));
      const run = createConsoleAdapter({
        services: world.services,
        input,
        output,
        outDir: world.storeDir,
        json: true,
      }).run();
      input.end(
        [
          `/skidio key set ${TEST_API_KEY}`,
          '/skidio key show',
          '/skidio status demo-log',
          '/skidio status fail-log',
          '/skidio status unknown-job',
        ].join('\n'),
      );
      await run;
      expect(await world.services.keys.get(CONSOLE_WORKSPACE)).toBe(TEST_API_KEY);
      // The key did reach the API, so the flow really used it ...
      expect(world.simulator.requests.some((request) => request.apiKey === TEST_API_KEY)).toBe(true);
      expect(world.log.lines.length).toBeGreaterThan(5);
      // ... and neither it nor the secret is in anything an operator or a person reads.
      const everything = [...world.log.lines, ...replies].join('\n');
      expect(everything).not.toContain(TEST_API_KEY);
      expect(everything).not.toContain(TEST_ENCRYPTION_SECRET);
      expect(replies.join('')).toContain('••••3c8b');
    });
  });
});
