/**
 * The buttons under a result on Slack, end to end with the real Bolt app against the fake Web API: Block Kit
 * buttons on the message that says the images are posted, clicks as signed `block_actions` payloads. A
 * private result is in the person's DM; its Share posts in the channel they asked in. Delete removes the
 * shared files and the buttons' message. Everything still works after a restart of the bot.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blockAction, type FakeMessage, sendInteraction } from '../fakes/slack/index.js';
import { SIGNING_SECRET, startWorld, type World } from '../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface SlackButton {
  action_id: string;
  value: string;
  text: { text: string };
  style?: string;
}

function buttonsOf(message: FakeMessage): SlackButton[] {
  const blocks = (typeof message.blocks === 'string' ? JSON.parse(message.blocks) : message.blocks) as
    | { type: string; elements?: SlackButton[] }[]
    | undefined;
  return (blocks ?? []).filter((block) => block.type === 'actions').flatMap((block) => block.elements ?? []);
}

/** The channel the bot wrote to last with buttons, and that message, once it is there. */
async function messageWithButtons(current: World): Promise<{ channel: string; message: FakeMessage }> {
  return vi.waitFor(
    () => {
      for (const call of [...current.slack.calls].reverse()) {
        if (call.method !== 'chat.update' && call.method !== 'chat.postMessage') continue;
        const channel = String(call.args.channel);
        const message = current.slack.messages(channel).find((candidate) => buttonsOf(candidate).length > 0);
        if (message) return { channel, message };
      }
      throw new Error('no message with buttons yet');
    },
    { timeout: 20_000, interval: 50 },
  );
}

let clicks = 0;

/** Clicks `label` on `message` in `channel` as `userId`; resolves with the click's response_url id. */
async function click(
  current: World,
  channel: string,
  message: FakeMessage,
  label: string,
  userId = 'U_MEMBER',
) {
  const button = buttonsOf(message).find((candidate) => candidate.text.text === label);
  if (!button) throw new Error(`no ${label} button`);
  clicks += 1;
  const responseId = `click${clicks}`;
  const answer = await sendInteraction(
    current.slackUrl,
    SIGNING_SECRET,
    blockAction({
      userId,
      channelId: channel,
      messageTs: message.ts,
      actionId: button.action_id,
      value: button.value,
      responseUrl: current.slack.responseUrl(responseId),
    }),
  );
  expect(answer.status).toBe(200);
  return responseId;
}

/** Waits until `userId` privately hears a text matching `pattern` in `channel`; returns that text. */
async function heard(current: World, channel: string, userId: string, pattern: RegExp): Promise<string> {
  return vi.waitFor(
    () => {
      const texts = current.slack
        .ephemerals(channel)
        .filter((ephemeral) => ephemeral.user === userId)
        .map((ephemeral) => ephemeral.text ?? '');
      const found = texts.find((text) => pattern.test(text));
      if (found === undefined) throw new Error(`not heard yet: ${JSON.stringify(texts)}`);
      return found;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('result buttons on Slack', () => {
  it('a private result: buttons in the DM, Details privately, Share in the asking channel, Delete by an admin, across a restart', async () => {
    const current = await startWorld({ platforms: ['slack'] });
    world = current;
    await current.slackCommand('imagine a kite over the sea --seed 5 --private');
    const { channel: dm, message } = await messageWithButtons(current);
    expect(dm).toMatch(/^D/);
    expect(current.slack.files(dm)).toHaveLength(1);
    expect(buttonsOf(message).map((button) => `${button.text.text}:${button.style ?? ''}`)).toEqual([
      'Again:primary',
      'Share:',
      'Details:',
      'Delete:danger',
    ]);
    for (const button of buttonsOf(message)) {
      expect(button.action_id).toMatch(/^skidio:(again|share|details|delete):[A-Za-z0-9_-]{16}(:private)?$/);
    }

    await current.restart();

    await click(current, dm, message, 'Details');
    expect(await heard(current, dm, 'U_MEMBER', /^ℹ️/)).toContain('Seed: 5');

    await click(current, dm, message, 'Share');
    await vi.waitFor(() => expect(current.slack.files('C_PUBLIC')).toHaveLength(1), { timeout: 10_000 });
    expect(current.slack.files('C_PUBLIC')[0]?.initialComment).toMatch(
      /^📣 <@U_MEMBER> shared their result of job `[^`]+`\.\n“a kite over the sea”/,
    );
    await heard(current, dm, 'U_MEMBER', /^📣 Shared job/);

    await click(current, dm, message, 'Delete', 'U_ADMIN');
    await heard(current, dm, 'U_ADMIN', /^🗑️ Deleted the result of job/);
    expect(current.slack.files(dm)).toHaveLength(0);
    expect(current.slack.messages(dm).some((candidate) => candidate.ts === message.ts)).toBe(false);
    // The shared copy in the channel is the team's now; Delete removed the private result only.
    expect(current.slack.files('C_PUBLIC')).toHaveLength(1);
  });

  it('a public result gets Again, Details and Delete; Again submits anew; Delete is refused to someone else', async () => {
    const current = await startWorld({ platforms: ['slack'] });
    world = current;
    await current.slackCommand('imagine a lighthouse', { user_id: 'U_ADMIN' });
    const { channel, message } = await messageWithButtons(current);
    expect(channel).toBe('C_PUBLIC');
    expect(buttonsOf(message).map((button) => button.text.text)).toEqual(['Again', 'Details', 'Delete']);

    await click(current, channel, message, 'Delete', 'U_MEMBER');
    expect(await heard(current, channel, 'U_MEMBER', /^🗂️/)).toBe(
      '🗂️ Only the person who asked for this result, or an admin, can delete it.',
    );
    expect(current.slack.files(channel)).toHaveLength(1);

    await click(current, channel, message, 'Again', 'U_MEMBER');
    await vi.waitFor(() => expect(current.slack.files(channel)).toHaveLength(2), { timeout: 20_000 });
    const submissions = current.simulator.requests.filter((request) =>
      request.path.endsWith('/txt2img/async'),
    );
    expect(submissions).toHaveLength(2);
    expect(submissions[1]?.body).toMatchObject({ prompt: 'a lighthouse' });
  });

  it('a status result with no progress message gets Details on a new message after the images', async () => {
    const current = await startWorld({ platforms: ['slack'] });
    world = current;
    await current.slackCommand('status done-slack-buttons');
    const { channel, message } = await messageWithButtons(current);
    expect(channel).toBe('C_PUBLIC');
    expect(message.text).toBe('✅ Job `done-slack-buttons` is done: the image is above.');
    expect(buttonsOf(message).map((button) => button.text.text)).toEqual(['Details']);
    const files = current.slack.files(channel);
    expect(files).toHaveLength(1);
    // After the images, so "above" is true.
    expect(Number(message.ts)).toBeGreaterThan(Number(files[0]?.ts));
    await click(current, channel, message, 'Details');
    expect(await heard(current, channel, 'U_MEMBER', /^ℹ️/)).toContain(
      'Job `done-slack-buttons`: completed, 1 image.',
    );
  });
});
