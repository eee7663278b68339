/**
 * Renders the README's screenshots of a result on Discord and on Slack.
 *
 * There is no real Discord or Slack here: the script starts the whole bot against the Skidio simulator and
 * the loopback fakes of both platforms (test/support/bot-world.ts), runs `/skidio status done-shot` once on
 * each, and takes what the bot really sent from the fakes' records: the message text and the image bytes.
 * Names (the bot, the channel, mentioned users) come from the fakes too, asked the way a client would ask.
 * Each reply is drawn as a small self-contained HTML page in the style of the platform's chat, and headless
 * Chromium screenshots it. Nothing in the pictures is invented; only the look is imitated.
 *
 *   apt-get install -y chromium fonts-noto-core fonts-lato fonts-noto-color-emoji   # fonts: optional, nicer
 *   node --import tsx scripts/render-screenshots.ts [--keep-html]
 *
 * Writes docs/screenshots/discord-result.png and docs/screenshots/slack-result.png (and the HTML pages next
 * to them with --keep-html). `CHROMIUM=/path/to/chrome` picks another browser binary.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import {
  DISCORD_TOKEN,
  discordContent,
  SLACK_TOKEN,
  startWorld,
  type World,
} from '../test/support/bot-world.js';

const JOB_ID = 'done-shot';
const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const WIDTH = 800;
const HEIGHT = 600;
const MAX_BYTES = 300 * 1024;
const run = promisify(execFile);

/** An image the bot uploaded, as the fake received it. */
interface Shown {
  filename: string;
  mimeType: string;
  bytes: Buffer;
  width: number;
  height: number;
}

/** One reply of the bot and what a client needs to draw it. */
interface Capture {
  /** The bot's display name on that platform. */
  botName: string;
  channelName: string;
  /** The message text exactly as the bot sent it (platform markdown, raw mentions). */
  text: string;
  /** Mentioned ids → the names the platform shows for them. */
  names: Map<string, string>;
  images: Shown[];
  /** Discord shows who ran the command above the reply. */
  invokedBy?: { name: string; command: string };
  at: Date;
}

async function describeImage(filename: string, bytes: Buffer): Promise<Shown> {
  const { format, width, height } = await sharp(bytes).metadata();
  if (format === undefined || width === undefined || height === undefined) {
    throw new Error(`${filename}: not an image sharp can read`);
  }
  return { filename, mimeType: `image/${format === 'jpeg' ? 'jpeg' : format}`, bytes, width, height };
}

// ---------------------------------------------------------------------------------------------------------
// Capturing from the fakes

async function discordGet(world: World, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${world.discord.apiUrl}/v10${path}`, {
    headers: { authorization: `Bot ${DISCORD_TOKEN}` },
  });
  if (!response.ok) throw new Error(`fake Discord: GET ${path} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

async function captureDiscord(world: World): Promise<Capture> {
  const payload = await world.discordStatus(JOB_ID);
  const reply = await world.discordFinal(payload);
  const text = discordContent(reply);
  const images = await Promise.all(
    reply.files
      .filter((file) => file.contentType.startsWith('image/'))
      .map((file) => describeImage(file.filename, file.bytes)),
  );
  const bot = await discordGet(world, '/users/@me');
  const channel = await discordGet(world, `/channels/${payload.channel_id}`);
  const invoker = (payload.member?.user ?? payload.user) as { id: string; username: string };
  const names = new Map([
    [invoker.id, invoker.username],
    [String(bot.id), String(bot.username)],
  ]);
  return {
    botName: String(bot.global_name ?? bot.username),
    channelName: String(channel.name ?? payload.channel_id),
    text,
    names,
    images,
    invokedBy: { name: invoker.username, command: String(payload.data.name) },
    at: new Date(),
  };
}

async function slackCall(world: World, method: string, args: Record<string, string>) {
  const response = await fetch(`${world.slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SLACK_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args),
  });
  const body = (await response.json()) as Record<string, unknown> & { ok: boolean; error?: string };
  if (!body.ok) throw new Error(`fake Slack: ${method} failed: ${body.error}`);
  return body;
}

async function captureSlack(world: World): Promise<Capture> {
  const since = world.slack.calls.length;
  await world.slackCommand(`status ${JOB_ID}`);
  const shared = await world.slack.waitForCall(
    'files.completeUploadExternal',
    (call) => call.ok && world.slack.calls.indexOf(call) >= since,
    10_000,
  );
  const text = typeof shared.args.initial_comment === 'string' ? shared.args.initial_comment : '';
  const files = (shared.args.files ?? []) as { id: string; title?: string }[];
  const images = await Promise.all(
    files.map(async (file) => {
      const upload = await world.slack.waitForUpload(file.id);
      return describeImage(file.title ?? upload.filename, upload.bytes);
    }),
  );
  const auth = await slackCall(world, 'auth.test', {});
  const botInfo = await slackCall(world, 'users.info', { user: String(auth.user_id) });
  const channelId = String(shared.args.channel_id ?? shared.args.channels);
  const channel = (await slackCall(world, 'conversations.info', { channel: channelId })).channel as {
    name?: string;
  };
  const names = new Map<string, string>();
  for (const [, id] of text.matchAll(/<@([A-Z0-9_]+)(?:\|[^>]*)?>/g)) {
    if (id === undefined || names.has(id)) continue;
    const info = (await slackCall(world, 'users.info', { user: id })).user as { name: string };
    names.set(id, info.name);
  }
  const bot = botInfo.user as { name: string; real_name?: string };
  return {
    botName: bot.real_name ?? bot.name,
    channelName: channel.name ?? channelId,
    text,
    names,
    images,
    at: new Date(),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Markdown, just the basics each platform renders

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Rule {
  pattern: RegExp;
  render(match: RegExpExecArray, inner: (text: string) => string): string;
}

/** Renders `text` by the earliest-matching rule, again and again; text between matches is escaped. */
function renderInline(text: string, rules: Rule[], plain: (text: string) => string = escapeHtml): string {
  let out = '';
  let rest = text;
  while (rest !== '') {
    let best: { rule: Rule; match: RegExpExecArray } | undefined;
    for (const rule of rules) {
      const match = rule.pattern.exec(rest);
      if (match && (best === undefined || match.index < best.match.index)) best = { rule, match };
    }
    if (best === undefined) return out + plain(rest);
    out += plain(rest.slice(0, best.match.index));
    out += best.rule.render(best.match, (inner) => renderInline(inner, rules, plain));
    rest = rest.slice(best.match.index + best.match[0].length);
  }
  return out;
}

const code = (match: RegExpExecArray) => `<code>${escapeHtml(match[1] ?? '')}</code>`;
const mention = (label: string) => `<span class="mention">${escapeHtml(label)}</span>`;

function discordMarkdown(text: string, names: Map<string, string>): string {
  return renderInline(text, [
    { pattern: /`([^`]+)`/, render: code },
    { pattern: /<@!?(\d+)>/, render: (m) => mention(`@${names.get(m[1] ?? '') ?? 'unknown-user'}`) },
    { pattern: /<#(\d+)>/, render: (m) => mention(`#${m[1]}`) },
    { pattern: /\*\*(.+?)\*\*/, render: (m, inner) => `<strong>${inner(m[1] ?? '')}</strong>` },
    { pattern: /__(.+?)__/, render: (m, inner) => `<u>${inner(m[1] ?? '')}</u>` },
    {
      pattern: /\*([^*\s][^*]*)\*|\b_([^_]+)_\b/,
      render: (m, inner) => `<em>${inner(m[1] ?? m[2] ?? '')}</em>`,
    },
    { pattern: /~~(.+?)~~/, render: (m, inner) => `<s>${inner(m[1] ?? '')}</s>` },
  ]);
}

/** Slack text escapes only `&`, `<` and `>`; they are decoded before being escaped again for HTML. */
const slackPlain = (text: string) =>
  escapeHtml(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));

function slackMarkdown(text: string, names: Map<string, string>): string {
  return renderInline(
    text,
    [
      { pattern: /`([^`]+)`/, render: code },
      {
        pattern: /<@([A-Z0-9_]+)(?:\|([^>]*))?>/,
        render: (m) => mention(`@${names.get(m[1] ?? '') ?? m[2] ?? 'unknown'}`),
      },
      { pattern: /<#([A-Z0-9_]+)(?:\|([^>]*))?>/, render: (m) => mention(`#${m[2] ?? m[1]}`) },
      { pattern: /<!(here|channel|everyone)>/, render: (m) => mention(`@${m[1]}`) },
      {
        pattern: /<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>/,
        render: (m) => `<a>${slackPlain(m[2] ?? m[1] ?? '')}</a>`,
      },
      { pattern: /\*([^*\n]+)\*/, render: (m, inner) => `<strong>${inner(m[1] ?? '')}</strong>` },
      { pattern: /\b_([^_\n]+)_\b/, render: (m, inner) => `<em>${inner(m[1] ?? '')}</em>` },
      { pattern: /~([^~\n]+)~/, render: (m, inner) => `<s>${inner(m[1] ?? '')}</s>` },
    ],
    slackPlain,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Pages

const timeOfDay = (at: Date) =>
  at.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });

/** An `<img>` with the bytes inline, scaled down (never up) to fit `max` × `max`. */
function inlineImage(image: Shown, max: number): string {
  const scale = Math.min(1, max / image.width, max / image.height);
  const [width, height] = [Math.round(image.width * scale), Math.round(image.height * scale)];
  const src = `data:${image.mimeType};base64,${image.bytes.toString('base64')}`;
  return `<img src="${src}" width="${width}" height="${height}" alt="${escapeHtml(image.filename)}">`;
}

const initial = (name: string) => escapeHtml((name.match(/[\p{L}\p{N}]/u)?.[0] ?? '?').toUpperCase());

function page(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; overflow: hidden; }
.app { display: flex; flex-direction: column; height: 100vh; }
.feed { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; padding-bottom: 12px; }
.header, .who { display: flex; align-items: baseline; gap: 6px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
img { display: block; }
${css}
</style></head>
<body>${body}</body></html>
`;
}

const DISCORD_CSS = `
body { background: #313338; color: #dbdee1;
  font-family: "gg sans", "Noto Sans", "Helvetica Neue", Helvetica, Arial, sans-serif, "Noto Color Emoji"; }
.topbar { height: 48px; padding: 0 16px; display: flex; align-items: center; gap: 8px;
  box-shadow: 0 1px 0 rgba(4,4,5,.2), 0 1.5px 0 rgba(6,6,7,.05), 0 2px 0 rgba(4,4,5,.05); }
.topbar .hash { color: #80848e; font-size: 24px; font-weight: 400; }
.topbar .name { color: #f2f3f5; font-weight: 600; font-size: 16px; }
.divider { display: flex; align-items: center; margin: 0 16px 8px; color: #949ba4; font-size: 12px;
  font-weight: 600; gap: 8px; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid #3f4147; }
.message { position: relative; padding: 2px 48px 2px 72px; margin-top: 4px; }
.message:hover { background: #2e3035; }
.reply { position: relative; display: flex; align-items: center; gap: 4px; font-size: 14px; color: #949ba4;
  margin-bottom: 4px; line-height: 18px; }
.reply::before { content: ""; position: absolute; left: -36px; top: 8px; width: 29px; height: 12px;
  border-left: 2px solid #4e5058; border-top: 2px solid #4e5058; border-top-left-radius: 6px; }
.reply .mini { width: 16px; height: 16px; border-radius: 50%; background: #eb459e; color: #fff; font-size: 10px;
  display: inline-flex; align-items: center; justify-content: center; font-weight: 600; }
.reply .user { color: #dbdee1; font-weight: 500; }
.reply .cmd { color: #00a8fc; }
.avatar { position: absolute; left: 16px; top: 28px; width: 40px; height: 40px; border-radius: 50%;
  background: #5865f2; color: #fff; display: flex; align-items: center; justify-content: center;
  font-size: 18px; font-weight: 600; }
.author { color: #f2f3f5; font-weight: 500; font-size: 16px; line-height: 22px; }
.tag { background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; line-height: 15px; height: 15px;
  padding: 0 4px; border-radius: 3px; align-self: center; letter-spacing: .02em; }
.time { color: #949ba4; font-size: 12px; }
.text { font-size: 16px; line-height: 22px; }
code { font-family: Consolas, "Andale Mono WT", "DejaVu Sans Mono", monospace; font-size: 85%;
  background: #2b2d31; border: 1px solid #1e1f22; border-radius: 4px; padding: 0 .2em; }
.mention { background: rgba(88,101,242,.3); color: #c9cdfb; border-radius: 3px; padding: 0 2px; font-weight: 500; }
.attachments { margin-top: 8px; display: flex; flex-wrap: wrap; gap: 4px; }
.attachments img { border-radius: 8px; }
.composer { margin: 0 16px 24px; height: 44px; border-radius: 8px; background: #383a40; color: #6d6f78;
  display: flex; align-items: center; padding: 0 16px; font-size: 16px; gap: 16px; }
.composer .plus { width: 24px; height: 24px; border-radius: 50%; background: #b5bac1; color: #383a40;
  display: flex; align-items: center; justify-content: center; font-weight: 700; font-size: 18px; }
`;

function discordPage(capture: Capture): string {
  const day = capture.at.toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const invoked = capture.invokedBy
    ? `<div class="reply"><span class="mini">${initial(capture.invokedBy.name)}</span>
        <span class="user">${escapeHtml(capture.invokedBy.name)}</span> used
        <span class="cmd">/${escapeHtml(capture.invokedBy.command)}</span></div>`
    : '';
  const body = `<div class="app">
  <div class="topbar"><span class="hash">#</span><span class="name">${escapeHtml(capture.channelName)}</span></div>
  <div class="feed">
    <div class="divider">${escapeHtml(day)}</div>
    <div class="message">
      ${invoked}
      <div class="avatar">${initial(capture.botName)}</div>
      <div class="header"><span class="author">${escapeHtml(capture.botName)}</span><span class="tag">APP</span>
        <span class="time">Today at ${timeOfDay(capture.at)}</span></div>
      <div class="text">${discordMarkdown(capture.text, capture.names)}</div>
      <div class="attachments">${capture.images.map((image) => inlineImage(image, 300)).join('')}</div>
    </div>
  </div>
  <div class="composer"><span class="plus">+</span>Message #${escapeHtml(capture.channelName)}</div>
</div>`;
  return page('Discord reply', DISCORD_CSS, body);
}

const SLACK_CSS = `
body { background: #fff; color: #1d1c1d;
  font-family: Lato, "Slack-Lato", "Helvetica Neue", Helvetica, "Liberation Sans", Arial, sans-serif, "Noto Color Emoji"; }
.topbar { height: 49px; padding: 0 20px; display: flex; align-items: center; border-bottom: 1px solid #e2e2e2;
  font-weight: 900; font-size: 18px; gap: 4px; }
.topbar .hash { color: #616061; font-weight: 400; }
.message { display: flex; gap: 8px; padding: 8px 20px; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; background: #2eb67d; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 900; font-size: 18px; margin-top: 2px; }
.body { min-width: 0; }
.author { font-weight: 900; font-size: 15px; }
.tag { background: rgba(29,28,29,.13); color: rgba(29,28,29,.7); font-size: 10px; font-weight: 700;
  padding: 1px 3px; border-radius: 2px; align-self: center; line-height: 1.25; }
.time { color: #616061; font-size: 12px; }
.text { font-size: 15px; line-height: 22px; }
code { font-family: Monaco, Menlo, Consolas, "Courier New", "DejaVu Sans Mono", monospace; font-size: 12px;
  color: #e01e5a; background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px;
  padding: 2px 3px 1px; }
.mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; }
.file { margin-top: 6px; }
.file .title { color: #616061; font-size: 13px; margin-bottom: 4px; }
.file img { border-radius: 8px; border: 1px solid rgba(29,28,29,.13); }
.composer { margin: 0 20px 20px; border: 1px solid #bbbabb; border-radius: 8px; height: 64px; color: #868686;
  font-size: 15px; padding: 12px; }
`;

function slackPage(capture: Capture): string {
  const files = capture.images
    .map(
      (image) =>
        `<div class="file"><div class="title">${escapeHtml(image.filename)} ▾</div>${inlineImage(image, 360)}</div>`,
    )
    .join('');
  const body = `<div class="app">
  <div class="topbar"><span class="hash">#</span>${escapeHtml(capture.channelName)}</div>
  <div class="feed">
    <div class="message">
      <div class="avatar">${initial(capture.botName)}</div>
      <div class="body">
        <div class="header"><span class="author">${escapeHtml(capture.botName)}</span><span class="tag">APP</span>
          <span class="time">${timeOfDay(capture.at)}</span></div>
        <div class="text">${slackMarkdown(capture.text, capture.names)}</div>
        ${files}
      </div>
    </div>
  </div>
  <div class="composer">Message #${escapeHtml(capture.channelName)}</div>
</div>`;
  return page('Slack reply', SLACK_CSS, body);
}

// ---------------------------------------------------------------------------------------------------------
// Screenshots

async function screenshot(htmlFile: string, pngFile: string): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'skidio-shot-'));
  try {
    await run(
      process.env.CHROMIUM ?? 'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--window-size=${WIDTH},${HEIGHT}`,
        `--screenshot=${pngFile}`,
        pathToFileURL(htmlFile).href,
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw missing ? new Error('chromium not found: apt-get install -y chromium, or set CHROMIUM') : error;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
  // Chromium's PNGs are not packed tightly; a lossless re-encode at the highest level keeps them small.
  const packed = await sharp(pngFile).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
  await writeFile(pngFile, packed);
  const { size } = await stat(pngFile);
  if (size > MAX_BYTES)
    console.warn(`${pngFile} is ${Math.round(size / 1024)} KiB (meant to stay under 300)`);
}

async function main(): Promise<void> {
  const keepHtml = process.argv.includes('--keep-html');
  await mkdir(OUT_DIR, { recursive: true });
  const world = await startWorld();
  let captures: [string, string][];
  try {
    captures = [
      ['discord-result', discordPage(await captureDiscord(world))],
      ['slack-result', slackPage(await captureSlack(world))],
    ];
  } finally {
    await world.close();
  }
  const work = await mkdtemp(join(tmpdir(), 'skidio-pages-'));
  try {
    for (const [name, html] of captures) {
      const htmlFile = join(keepHtml ? OUT_DIR : work, `${name}.html`);
      await writeFile(htmlFile, html);
      const pngFile = join(OUT_DIR, `${name}.png`);
      await screenshot(htmlFile, pngFile);
      console.log(`wrote ${pngFile}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
