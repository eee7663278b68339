/**
 * A person installing the app into a Slack workspace through the bot's real OAuth routes, as a browser would,
 * with redirects followed by hand: `/slack/install` (Bolt sets its state cookie) → the fake's approval page →
 * its `Allow` link → `/slack/oauth_redirect` (with the cookie) → the bot's success or failure page.
 */
import type { World } from './bot-world.js';

/** What the person saw at the end, and the redirect back to the bot (to replay it in tests). */
export interface InstallOutcome {
  status: number;
  html: string;
  /** `/slack/oauth_redirect?code=…&state=…` as the fake sent the browser back. */
  redirect: string;
  /** The state cookie Bolt set at `/slack/install` (`name=value`). */
  cookie: string;
}

/** Follows the install as `teamId`'s admin; `tamper` may change the redirect or the cookie before it is sent. */
export async function installSlackWorkspace(
  world: World,
  teamId: string,
  tamper: (step: { redirect: string; cookie: string }) => { redirect: string; cookie: string } = (step) =>
    step,
): Promise<InstallOutcome> {
  const base = world.slackUrl.replace(/\/slack\/events$/, '');
  const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  const authorizeUrl = expectRedirect(start, '/slack/install');
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  world.slack.approveAs(teamId);
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  const allow = /<a[^>]*href="([^"]+)"[^>]*>Allow<\/a>/.exec(html)?.[1];
  if (!allow) throw new Error(`no Allow link on the approval page: ${html}`);
  const approved = await fetch(new URL(allow.replaceAll('&amp;', '&'), authorizeUrl), { redirect: 'manual' });
  const back = tamper({ redirect: expectRedirect(approved, 'Allow'), cookie });
  const done = await fetch(back.redirect, {
    redirect: 'manual',
    headers: back.cookie ? { cookie: back.cookie } : {},
  });
  return { status: done.status, html: await done.text(), redirect: back.redirect, cookie };
}

function expectRedirect(response: Response, what: string): string {
  const location = response.headers.get('location');
  if (response.status !== 302 || !location)
    throw new Error(`${what} answered ${response.status}, not a redirect`);
  return location;
}
