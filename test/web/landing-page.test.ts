import { afterEach, describe, expect, it } from 'vitest';
import { renderLandingPage, renderSlackInstallFailure } from '../../src/web/pages.js';
import { startWorld, type World } from '../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function landingPage(target: World): Promise<{ status: number; type: string | null; html: string }> {
  const response = await fetch(`http://127.0.0.1:${target.bot.http.port}/`);
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
}

describe('the landing page', () => {
  it('offers Discord’s invite with the application id read from Discord, and shows the bot healthy', async () => {
    world = await startWorld({ platforms: ['discord'] });
    const page = await landingPage(world);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    const invite = /<a class="button discord" href="([^"]+)">Add to Discord<\/a>/.exec(page.html)?.[1];
    expect(invite).toBeDefined();
    const url = new URL((invite ?? '').replaceAll('&amp;', '&'));
    expect(`${url.origin}${url.pathname}`).toBe('https://discord.com/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe(world.discord.applicationId);
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(Number(url.searchParams.get('permissions'))).toBeGreaterThan(0);
    expect(page.html).not.toContain('Add to Slack');
    expect(page.html).toContain('Healthy');
    expect(page.html).toContain('<meta name="viewport"');
  });

  it('offers no install button for a single Slack workspace, and says so', async () => {
    world = await startWorld({ platforms: ['slack'] });
    const page = await landingPage(world);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('Add to Slack');
    expect(page.html).not.toContain('Add to Discord');
    expect(page.html).toContain('offers no self-service install');
  });

  it('shows a failing readiness check as not ready', () => {
    const html = renderLandingPage({ health: { store: true, accepting: false } });
    expect(html).toContain('Not ready');
    expect(html).toMatch(/accepting: <span class="bad">not ready<\/span>/);
  });

  it('escapes whatever it is given', () => {
    const html = renderSlackInstallFailure({ reason: '<script>alert(1)</script> "quoted"' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;');
    const landing = renderLandingPage({ discordInviteUrl: 'https://x.test/?a=1&b="2"', health: {} });
    expect(landing).toContain('href="https://x.test/?a=1&amp;b=&quot;2&quot;"');
  });
});
