/**
 * The landing page and the Slack install in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens `/`, clicks Add to Slack, approves on the fake Slack's authorize page and lands on the
 * bot's success page; the store then holds that workspace's installation, sealed. Without a Chromium binary the
 * test skips and says so, unless REQUIRE_BROWSER=1 (set by `.ci/run` once it has installed the package).
 */
import { access } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSlackInstallationStore } from '../../src/adapters/slack/installation-store.js';
import { SecretRegistry } from '../../src/logging.js';
import { startWorld, type World } from '../support/bot-world.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = await access(CHROMIUM).then(
  () => true,
  () => false,
);
if (!haveChromium) {
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  }
  console.warn(
    `Skipping the browser test: no Chromium at ${CHROMIUM}. Install Debian's package (apt-get install chromium) ` +
      'or set CHROMIUM_PATH.',
  );
}

const TEAM = 'T0000001';

describe.runIf(haveChromium)('installing from the landing page, in Chromium', () => {
  let browser: Browser;
  let world: World | undefined;
  beforeAll(async () => {
    // Root in CI cannot use Chromium's sandbox; the page is our own, on loopback.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('goes from Add to Slack to the success page, and stores the installation sealed', {
    timeout: 60_000,
  }, async () => {
    world = await startWorld({ platforms: ['slack'], slackInstall: 'oauth', keys: {} });
    const base = world.slackUrl.replace(/\/slack\/events$/, '');
    // A phone's screen, and no JavaScript: the pages need none.
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    await page.goto(`${base}/`);
    expect(await page.title()).toBe('skidio-bot');
    expect(await page.getByText('Healthy', { exact: true }).isVisible()).toBe(true);
    // Readable on a phone: nothing wider than the screen.
    expect((await page.locator('main').boundingBox())?.width).toBeLessThanOrEqual(390);

    world.slack.approveAs(TEAM);
    await page.getByRole('link', { name: 'Add to Slack' }).click();
    // The fake's authorize page, reached through /slack/install's redirect with Bolt's state.
    await page.waitForURL((url) => url.href.startsWith(world?.slack.authorizeUrl ?? '?'));
    await page.getByText('Allow', { exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/slack/oauth_redirect');
    const heading = await page.locator('h1').textContent();
    expect(heading).toContain('skidio-bot was added');
    expect(await page.locator('main').textContent()).toContain('/skidio key set');

    // The token oauth.v2.access issued last: the one this install received.
    const token = world.slack.tokensOf(TEAM).at(-1) ?? '';
    expect(token).toMatch(/^xoxb-/);
    const record = await world.services.store.get<Record<string, unknown>>(`slack-install:team:${TEAM}`);
    expect(record).toBeDefined();
    expect(JSON.stringify(record)).not.toContain(token);
    const installations = createSlackInstallationStore({
      store: world.services.store,
      box: world.services.sealer,
      secrets: new SecretRegistry(),
    });
    const installation = await installations.fetchInstallation({
      teamId: TEAM,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(installation.bot?.token).toBe(token);
    expect(world.slack.installs.map((install) => install.teamId)).toEqual([TEAM]);
    await page.close();
  });

  it('shows the failure page when the person cancels on Slack, and stores nothing', {
    timeout: 60_000,
  }, async () => {
    world = await startWorld({ platforms: ['slack'], slackInstall: 'oauth', keys: {} });
    const base = world.slackUrl.replace(/\/slack\/events$/, '');
    const page = await browser.newPage();
    await page.goto(`${base}/slack/install`);
    await page.waitForURL((url) => url.href.startsWith(world?.slack.authorizeUrl ?? '?'));
    // Slack sends a person who cancels back with `error=access_denied` and the state.
    const state = new URL(page.url()).searchParams.get('state') ?? '';
    await page.goto(`${base}/slack/oauth_redirect?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(await page.locator('h1').textContent()).toContain('was not installed');
    expect(await page.getByRole('link', { name: 'try again' }).getAttribute('href')).toBe('/slack/install');
    expect(await world.services.store.get(`slack-install:team:${TEAM}`)).toBeUndefined();
    await page.close();
  });
});
