import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_WORKSPACE } from '../../../src/adapters/console/console-adapter.js';
import { startConsoleWorld, TEST_API_KEY, type World } from '../../support/bot-world.js';
import { runConsole } from '../../support/run-console.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('console adapter', () => {
  it('shows queued, running and completed, and saves a real PNG byte-identical to the API image', async () => {
    world = await startConsoleWorld();
    await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const replies = await runConsole(world, ['/skidio status demo-console']);
    expect(replies.map((reply) => `${reply.kind}:${reply.status}`)).toEqual([
      'progress:queued',
      'progress:running',
      'result:completed',
    ]);
    const result = replies.at(-1);
    expect(result).toMatchObject({ command: '/skidio status demo-console', jobId: 'demo-console' });
    const file = result?.files?.[0] ?? '';
    expect(file).toMatch(/demo-console-1\.png$/);
    const bytes = await readFile(file);
    expect(bytes.equals(await world.simulator.imageBytes('demo-console', 0))).toBe(true);
    expect((await sharp(bytes).metadata()).format).toBe('png');
  });

  it('answers every line at once while a job runs, and waits for the job at the end of input', async () => {
    const current = await startConsoleWorld();
    world = current;
    await current.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const lines = ['/skidio status never-console', '/skidio status nope', '/skidio help'];
    const replies = await runConsole(current, lines, (sofar) => {
      // The job finishes only once the lines after it have been answered: answering them must not wait for it.
      if (sofar.some((reply) => reply.command === '/skidio help'))
        current.simulator.completeNow('never-console');
    });
    expect(replies.some((reply) => reply.command === '/skidio status nope' && reply.kind === 'error')).toBe(
      true,
    );
    expect(replies.at(-1)).toMatchObject({ kind: 'result', jobId: 'never-console' });
  });

  it('runs key set before the next line, echoes the key masked, and answers bad input politely', async () => {
    world = await startConsoleWorld();
    const replies = await runConsole(world, [
      `/skidio key set ${TEST_API_KEY}`,
      '/skidio status done-1',
      '/skidio status ../../etc/passwd',
      '/skidio frobnicate',
      '/skidio status',
      '# a comment line is ignored',
      '/skidio status fail-1',
      '/skidio status no-such-job',
    ]);
    const text = JSON.stringify(replies);
    expect(text).not.toContain(TEST_API_KEY);
    expect(replies[0]).toEqual({
      kind: 'text',
      command: '/skidio key set ••••3c8b',
      text: '🔑 Saved. This workspace now uses the Skidio API key ••••3c8b.',
    });
    const byCommand = (command: string) => replies.filter((reply) => reply.command === command);
    expect(byCommand('/skidio status done-1').at(-1)?.kind).toBe('result');
    expect(replies.find((reply) => reply.text.includes('not a valid job id'))?.kind).toBe('error');
    expect(replies.find((reply) => reply.text.includes("I don't know that command"))?.kind).toBe('error');
    expect(replies.find((reply) => reply.text.includes('needs a job_id'))?.kind).toBe('error');
    expect(byCommand('/skidio status fail-1').at(-1)).toMatchObject({
      kind: 'error',
      jobId: 'fail-1',
      text: '❌ Job `fail-1` failed: NSFW content detected',
    });
    expect(byCommand('/skidio status no-such-job').at(-1)?.text).toContain('has no job `no-such-job`');
    // Invalid ids never reached the API.
    expect(world.simulator.requests.some((request) => String(request.jobId).includes('passwd'))).toBe(false);
  });

  it('tells the person how to set a key when none is set', async () => {
    world = await startConsoleWorld();
    const replies = await runConsole(world, ['/skidio status demo-nokey']);
    expect(replies).toEqual([
      {
        kind: 'error',
        command: '/skidio status demo-nokey',
        jobId: 'demo-nokey',
        text: '🔑 This workspace has no Skidio API key yet. An admin can set one with `/skidio key set`.',
      },
    ]);
    expect(world.simulator.requests).toHaveLength(0);
  });
});
