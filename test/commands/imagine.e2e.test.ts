import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_WORKSPACE } from '../../src/adapters/console/console-adapter.js';
import { sendInteraction, type ViewInputState, viewSubmission } from '../fakes/slack/index.js';
import {
  discordContent,
  SIGNING_SECRET,
  slackText,
  startConsoleWorld,
  startWorld,
  TEST_API_KEY,
  type World,
} from '../support/bot-world.js';
import { runConsole } from '../support/run-console.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The simulator's record of every submission, newest last. */
function submissions(current: World): Record<string, unknown>[] {
  return current.simulator.requests
    .filter((request) => request.method === 'POST' && request.path.endsWith('/txt2img/async'))
    .map((request) => request.body as Record<string, unknown>);
}

describe('/skidio imagine', () => {
  it('submits as the Skidio docs say and posts the images with the prompt and settings (console)', async () => {
    world = await startConsoleWorld();
    await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const replies = await runConsole(world, [
      '/skidio imagine a red fox @everyone <!channel> --model sdxl --size 768x768 --count 2 --seed 7 --negative "soft blur"',
    ]);
    const result = replies.at(-1);
    expect(result?.kind).toBe('result');
    expect(result?.files).toHaveLength(2);
    expect(result?.jobId).toMatch(/\S/);
    // The job id is in the first progress line, so `/skidio status <id>` works later too.
    expect(replies[0]?.text).toContain(result?.jobId ?? '?');
    expect(result?.text).toContain('“a red fox @\u200beveryone <\u200b!channel>”');
    expect(result?.text).toContain('without: “soft blur”');
    expect(result?.text).toContain('sdxl · 768x768 · seed 7');

    const [body] = submissions(world);
    expect(body).toEqual({
      input: { api_key: TEST_API_KEY },
      prompt: 'a red fox @everyone <!channel>',
      model: 'sdxl',
      negative_prompt: 'soft blur',
      width: 768,
      height: 768,
      batch_size: 2,
      seed: 7,
    });
  });

  it('fills in the defaults: the default model, 1024x1024, one image, a random seed that is shown', async () => {
    world = await startConsoleWorld();
    await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const replies = await runConsole(world, ['/skidio imagine a lighthouse at dawn']);
    const [body] = submissions(world);
    expect(body).toMatchObject({ model: 'flux-schnell', width: 1024, height: 1024, batch_size: 1 });
    expect(body).not.toHaveProperty('steps');
    expect(Number.isInteger(body?.seed)).toBe(true);
    expect(replies.at(-1)?.text).toContain(`seed ${String(body?.seed)}`);
  });

  it.each([
    ['/skidio imagine', /needs a prompt/],
    ['/skidio imagine --model sdxl', /needs a prompt/],
    [
      '/skidio imagine a cat --model dalle',
      /Choose one of: flux-schnell, flux-dev, sd3, sdxl, sdxl-turbo, sd1\.5/,
    ],
    ['/skidio imagine a cat --size 1000x1000', /multiple of 64 from 256 to 2048/],
    ['/skidio imagine a cat --size 4096x4096', /multiple of 64 from 256 to 2048/],
    ['/skidio imagine a cat --count 5', /count must be a whole number from 1 to 4/],
    ['/skidio imagine a cat --count two', /count must be a whole number from 1 to 4/],
    ['/skidio imagine a cat --seed 4294967296', /seed must be a whole number from 0 to 4294967295/],
    ['/skidio imagine a cat --seed -1', /seed must be a whole number from 0 to 4294967295/],
    ['/skidio imagine a cat --steps 0', /steps must be a whole number from 1 to 100/],
    [`/skidio imagine ${'x'.repeat(1_501)}`, /prompt is too long: 1501 characters, at most 1500/],
    [`/skidio imagine a cat --negative "${'n'.repeat(1_001)}"`, /negative is too long/],
    ['/skidio imagine a cat --colour red', /I don't know the option `--colour`/],
    ['/skidio imagine a cat --count', /`--count` needs a value/],
    ['/skidio imagine a cat --negative "unclosed', /quote .* is not closed/],
  ])('refuses %s before any request, naming the option and what is allowed', async (line, expected) => {
    world ??= await startConsoleWorld();
    await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const replies = await runConsole(world, [line]);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.kind).toBe('error');
    expect(replies[0]?.text).toMatch(expected);
    expect(submissions(world)).toEqual([]);
  });

  it('takes a 1,500-character prompt with markdown whole', async () => {
    world = await startConsoleWorld();
    await world.services.keys.set(CONSOLE_WORKSPACE, TEST_API_KEY, 'test');
    const prompt = `**bold** _under_ \`code\` ${'a'.repeat(1_480)}`.slice(0, 1_500);
    const replies = await runConsole(world, [`/skidio imagine ${prompt}`]);
    expect(replies.at(-1)?.kind).toBe('result');
    expect(submissions(world)[0]?.prompt).toBe(prompt);
  });

  it('runs on Discord with option choices and integers, and posts the images with the settings', async () => {
    world = await startWorld({ platforms: ['discord'] });
    const payload = await world.discordCommand({
      subcommand: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a paper boat <@123> @here' },
        { name: 'model', type: 3, value: 'sd3' },
        { name: 'size', type: 3, value: '1344x768' },
        { name: 'count', type: 4, value: 3 },
        { name: 'seed', type: 4, value: 42 },
        { name: 'steps', type: 4, value: 20 },
      ],
    });
    const final = await world.discordFinal(payload, 20_000);
    expect(final.files).toHaveLength(3);
    const text = discordContent(final);
    expect(text).toContain('“a paper boat <\u200b@\u200b123> @\u200bhere”');
    expect(text).toMatch(/sd3 · 1344x768 · seed 42 · 20 steps · made in \d+ s/);
    expect(submissions(world)[0]).toMatchObject({
      model: 'sd3',
      width: 1344,
      height: 768,
      batch_size: 3,
      seed: 42,
      steps: 20,
    });
  });

  it('runs on Slack from the text grammar, and refuses a bad option without a request', async () => {
    world = await startWorld({ platforms: ['slack'] });
    const refused = world.slack.calls.length;
    await world.slackCommand('imagine a kite --size 100x100');
    const refusal = await world.slackFinal(refused);
    expect(slackText(refusal)).toMatch(/multiple of 64 from 256 to 2048/);
    expect(submissions(world)).toEqual([]);

    const since = world.slack.calls.length;
    await world.slackCommand('imagine a kite over <!channel> --model sdxl-turbo --count 2 --seed 9');
    const final = await world.slackFinal(since, { timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    expect(final.args.files).toHaveLength(2);
    expect(slackText(final)).toContain('sdxl-turbo · 1024x1024 · seed 9');
    expect(slackText(final)).not.toContain('<!channel>');
  });

  it('opens a form on Slack when no prompt is given; a bad value keeps it open, a good one runs imagine', async () => {
    world = await startWorld({ platforms: ['slack'] });
    const current = world;
    const ack = await current.slackCommand('imagine');
    expect(ack.status).toBe(200);
    await current.slack.waitForCall('views.open');
    const opened = current.slack.views.at(-1);
    expect(opened?.view.callback_id).toBe('skidio_imagine');
    const blocks = opened?.view.blocks as { block_id: string; element: { options?: unknown[] } }[];
    expect(blocks.map((block) => block.block_id)).toEqual(['prompt', 'negative', 'model', 'size']);
    expect(blocks[2]?.element.options).toHaveLength(6);
    expect(submissions(current)).toEqual([]);

    const submit = (values: Record<string, Record<string, ViewInputState>>) =>
      sendInteraction(
        current.slackUrl,
        SIGNING_SECRET,
        viewSubmission({
          callbackId: 'skidio_imagine',
          userId: 'U_MEMBER',
          privateMetadata: 'C_PUBLIC',
          viewId: opened?.id ?? 'V_NONE',
          values,
        }),
      );
    const tooLong = await submit({
      prompt: { value: { type: 'plain_text_input', value: 'a kite' } },
      negative: { value: { type: 'plain_text_input', value: 'n'.repeat(1_001) } },
    });
    expect(tooLong.json).toMatchObject({
      response_action: 'errors',
      errors: { negative: expect.stringMatching(/negative is too long/) },
    });
    expect(submissions(current)).toEqual([]);

    const since = current.slack.calls.length;
    await submit({
      prompt: { value: { type: 'plain_text_input', value: 'a kite in the wind' } },
      model: { value: { type: 'static_select', selected_option: { value: 'sd3' } } },
      size: { value: { type: 'static_select', selected_option: { value: '768x1024' } } },
    });
    const final = await current.slackFinal(since, { channel: 'C_PUBLIC', timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    expect(slackText(final)).toContain('“a kite in the wind”');
    expect(submissions(current)[0]).toMatchObject({ model: 'sd3', width: 768, height: 1024 });
  });
});
