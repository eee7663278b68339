/**
 * The bot's few web pages: the landing page at `/` and the pages a person sees at the end of a Slack
 * install. Plain HTML with inline CSS: no script, so they work without JavaScript, and a viewport meta so
 * they read well on a phone. Every value put into a page is escaped.
 */

/** Text made safe to place in HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f8; line-height: 1.5; }
  main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  h1 { font-size: 1.75rem; margin: 0.5rem 0; }
  code { background: #e9e9ee; padding: 0.1rem 0.3rem; border-radius: 4px; word-break: break-word; }
  .buttons { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1.5rem 0; }
  .button { display: inline-block; padding: 0.75rem 1.25rem; border-radius: 8px; color: #fff; text-decoration: none; font-weight: 600; }
  .slack { background: #4a154b; } .discord { background: #5865f2; }
  .health { padding: 0.75rem 1rem; border-radius: 8px; background: #fff; border: 1px solid #ddd; }
  .ok { color: #1a7f37; } .bad { color: #b42318; }
`;

/** A whole page around `body`. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

/** What the person should do once the bot is in their Slack workspace. */
const NEXT_STEPS = `<p>Next, a workspace admin sets the team's Skidio API key: type <code>/skidio key set</code> in any channel.
Then anyone can type <code>/skidio status &lt;job id&gt;</code> to follow a job and get its images in the channel.</p>`;

/** The page after a successful Slack install. */
export function renderSlackInstallSuccess(args: { teamName?: string | undefined }): string {
  const where = args.teamName ? ` to <strong>${escapeHtml(args.teamName)}</strong>` : '';
  return page(
    'skidio-bot installed',
    `<h1>skidio-bot was added${where}</h1>\n${NEXT_STEPS}\n<p><a href="/">Back to the start page</a></p>`,
  );
}

/** The page after a failed or refused Slack install; `reason` is shown as text, never as HTML. */
export function renderSlackInstallFailure(args: { reason: string }): string {
  return page(
    'skidio-bot was not installed',
    `<h1>skidio-bot was not installed</h1>
<p>${escapeHtml(args.reason)}</p>
<p>Nothing was stored. You can <a href="/slack/install">try again</a>; if it keeps failing, ask whoever runs this bot to check its logs.</p>
<p><a href="/">Back to the start page</a></p>`,
  );
}

/** What the landing page shows: the install links that apply, and the bot's health. */
export interface LandingPageView {
  /** `/slack/install` when Slack OAuth is on. */
  slackInstallUrl?: string | undefined;
  /** Discord's invite URL once the application id is known. */
  discordInviteUrl?: string | undefined;
  /** Each readiness check by name, and whether it passes. */
  health: Record<string, boolean>;
}

/** The page at `/`: what the bot does, how to add it, and whether it is healthy. */
export function renderLandingPage(view: LandingPageView): string {
  const buttons = [
    view.slackInstallUrl
      ? `<a class="button slack" href="${escapeHtml(view.slackInstallUrl)}">Add to Slack</a>`
      : '',
    view.discordInviteUrl
      ? `<a class="button discord" href="${escapeHtml(view.discordInviteUrl)}">Add to Discord</a>`
      : '',
  ].filter((button) => button !== '');
  const install =
    buttons.length > 0
      ? `<div class="buttons">${buttons.join('\n')}</div>`
      : '<p>This bot is installed by its operator; it offers no self-service install.</p>';
  const checks = Object.entries(view.health);
  const healthy = checks.every(([, ok]) => ok);
  const health = `<section class="health" aria-label="health">
<p><strong class="${healthy ? 'ok' : 'bad'}">${healthy ? 'Healthy' : 'Not ready'}</strong></p>
<ul>${checks.map(([name, ok]) => `<li>${escapeHtml(name)}: <span class="${ok ? 'ok' : 'bad'}">${ok ? 'ok' : 'not ready'}</span></li>`).join('')}</ul>
</section>`;
  return page(
    'skidio-bot',
    `<h1>skidio-bot</h1>
<p>Follow your team's Skidio Labs image jobs from the chat. Type <code>/skidio status &lt;job id&gt;</code> in a channel:
the bot shows the job's progress in one message and, when it completes, posts the images in the channel for everyone.</p>
<p>Each workspace uses its own Skidio API key, set once by an admin with <code>/skidio key set</code>. The key is stored
encrypted and never shown again in full.</p>
${install}
${health}`,
  );
}
