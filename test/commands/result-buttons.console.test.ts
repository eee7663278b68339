/**
 * The buttons under a result, as the console spells them (`/skidio again <id>`, `share`, `details`,
 * `delete`), on the real services against the simulator: which buttons each result gets, what each does, who
 * may use them, and the answers once a record or its images are gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_WORKSPACE } from '../../src/adapters/console/console-adapter.js';
import type { ConsoleLine } from '../../src/adapters/console/console-output.js';
import { startConsoleWorld, TEST_API_KEY, type World } from '../support/bot-world.js';
import { runConsole } from '../support/run-console.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function started(): Promise<World> {
  world = await startConsoleWorld();
  await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
  return world;
}

function resultOf(replies: readonly ConsoleLine[], command: string): ConsoleLine {
  const line = replies.find((reply) => reply.kind === 'result' && reply.command.startsWith(command));
  if (!line) throw new Error(`no result for ${command}: ${JSON.stringify(replies)}`);
  return line;
}

/** The record id the buttons of `line` carry. */
function recordIdOf(line: ConsoleLine): string {
  const id = /^\/skidio details ([A-Za-z0-9_-]{16})$/.exec(
    line.actions?.find((a) => a.includes('details')) ?? '',
  );
  if (!id?.[1]) throw new Error(`no Details button on ${JSON.stringify(line)}`);
  return id[1];
}

describe('result buttons (console)', () => {
  it('gives a private imagine result Again (private), Share, Details and Delete, and a status result Details', async () => {
    const current = await started();
    const replies = await runConsole(current, [
      '/skidio imagine a red fox --seed 7 --private',
      '/skidio status done-buttons',
    ]);
    const imagined = resultOf(replies, '/skidio imagine');
    const id = recordIdOf(imagined);
    expect(imagined.actions).toEqual([
      `/skidio again ${id} private`,
      `/skidio share ${id}`,
      `/skidio details ${id}`,
      `/skidio delete ${id}`,
    ]);
    const status = resultOf(replies, '/skidio status');
    expect(status.actions).toEqual([`/skidio details ${recordIdOf(status)}`]);
    expect(recordIdOf(status)).not.toBe(id);
  });

  it('Details tells every setting; Again submits the same settings with a new seed; Share posts the kept images', async () => {
    const current = await started();
    const first = await runConsole(current, [
      '/skidio imagine a red fox <@123> --negative blur --size 768x512 --steps 12 --count 2 --seed 7 --private',
    ]);
    const id = recordIdOf(resultOf(first, '/skidio imagine'));
    const submissionsBefore = current.simulator.requests.filter((r) =>
      r.path.endsWith('/txt2img/async'),
    ).length;

    const replies = await runConsole(current, [
      `/skidio details ${id}`,
      `/skidio share ${id}`,
      `/skidio again ${id} private`,
    ]);
    const details = replies.find((reply) => reply.command === `/skidio details ${id}`);
    expect(details?.kind).toBe('text');
    expect(details?.text).toContain('Model: flux-schnell · Size: 768x512 · Seed: 7 · Steps: 12 · Count: 2');
    expect(details?.text).toContain('Negative prompt: “blur”');
    // The prompt's mention is shown inert.
    expect(details?.text).toContain('Prompt: “a red fox <\u200b@\u200b123>”');

    const shared = resultOf(replies, `/skidio share ${id}`);
    expect(shared.text).toMatch(/^📣 you shared their result of job/);
    expect(shared.files).toHaveLength(2);

    const submissions = current.simulator.requests.filter((r) => r.path.endsWith('/txt2img/async'));
    expect(submissions).toHaveLength(submissionsBefore + 1);
    const again = submissions.at(-1)?.body as Record<string, unknown>;
    expect(again).toMatchObject({
      prompt: 'a red fox <@123>',
      negative_prompt: 'blur',
      width: 768,
      height: 512,
      steps: 12,
      batch_size: 2,
    });
    expect(again.seed).not.toBe(7);
    const againResult = resultOf(replies, `/skidio again ${id}`);
    expect(againResult.files).toHaveLength(2);
    expect(againResult.actions?.[0]).toMatch(/^\/skidio again [A-Za-z0-9_-]{16} private$/);
  });

  it('says when the images are no longer kept, offering Again; Delete forgets the record; unknown ids are refused', async () => {
    const current = await started();
    const first = await runConsole(current, ['/skidio imagine a lighthouse --private']);
    const id = recordIdOf(resultOf(first, '/skidio imagine'));
    // The kept bytes expire after 24 hours; the record (and its other buttons) lives on.
    for await (const [key] of current.services.store.entries('result-images:'))
      await current.services.store.delete(key);
    const replies = await runConsole(current, [
      `/skidio share ${id}`,
      `/skidio delete ${id}`,
      `/skidio details ${id}`,
      '/skidio share not-a-result',
      '/skidio details AAAAAAAAAAAAAAAA',
    ]);
    const texts = replies.map((reply) => `${reply.kind}: ${reply.text}`);
    expect(texts[0]).toMatch(
      /^error: 🗂️ The images of job `[^`]+` are no longer kept \(the bot keeps them for 24 hours\)\. Make new ones with Again \(`\/skidio again [A-Za-z0-9_-]{16}`\)\.$/,
    );
    expect(texts[1]).toMatch(/^text: 🗑️ Forgot the result of job/);
    expect(texts[2]).toBe(
      'error: 🗂️ That result is no longer available: results and their buttons are kept for 30 days.',
    );
    expect(texts[3]).toMatch(/^error: ⚠️ A result id is 16 letters/);
    expect(texts[4]).toBe(texts[2]);
  });

  it('refuses Share on a result that is already public', async () => {
    const current = await started();
    const first = await runConsole(current, ['/skidio imagine a lighthouse']);
    const imagined = resultOf(first, '/skidio imagine');
    const id = recordIdOf(imagined);
    expect(imagined.actions?.some((action) => action.startsWith('/skidio share'))).toBe(false);
    const [reply] = await runConsole(current, [`/skidio share ${id}`]);
    expect(reply?.text).toBe('⚠️ This result is already in the channel for everyone.');
  });

  it('keeps a job’s images once for everyone who asked for it, and each person’s Share works', async () => {
    const current = await started();
    const replies = await runConsole(current, [
      '/skidio status done-crowd private',
      '/skidio status done-crowd private',
    ]);
    const ids = replies.filter((reply) => reply.kind === 'result').map(recordIdOf);
    expect(new Set(ids).size).toBe(2);
    const kept: string[] = [];
    for await (const [key] of current.services.store.entries('result-images:')) kept.push(key);
    expect(kept).toHaveLength(1);
    const shared = await runConsole(
      current,
      ids.map((id) => `/skidio share ${id}`),
    );
    expect(shared.filter((reply) => reply.kind === 'result').map((reply) => reply.files?.length)).toEqual([
      1, 1,
    ]);
  });
});
