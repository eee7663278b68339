import { describe, expect, it } from 'vitest';
import { ConfigError, configSecrets, loadConfig } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/bot');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** A whole Slack OAuth configuration, none of it real. */
const SLACK_OAUTH = {
  SLACK_CLIENT_ID: '1111.2222',
  SLACK_CLIENT_SECRET: 'client-secret-value',
  SLACK_STATE_SECRET: 'state-secret-0123456789',
  SLACK_SIGNING_SECRET: 'signing-secret',
  KEY_ENCRYPTION_SECRET: '0123456789abcdef',
};

describe('configuration', () => {
  it('has the defaults of DESIGN.md and no platform when nothing is set', () => {
    const config = loadConfig({}, '/srv/bot');
    expect(config).toEqual({
      skidioApiUrl: 'https://skidiolabs.com/api',
      port: 3000,
      store: { kind: 'sqlite', path: '/srv/bot/data/skidio.sqlite' },
      logLevel: 'info',
      watchTimeoutMs: 1_800_000,
      allowPrivateImageHosts: false,
      maxImageBytes: 26_214_400,
      defaultModel: 'flux-schnell',
      limits: {
        commandsPerUserPerMinute: 20,
        commandsPerWorkspacePerMinute: 200,
        maxWatchesPerWorkspace: 100,
        maxWatchesTotal: 20_000,
        maxImagesPerJob: 20,
      },
    });
  });

  it('reads every platform variable', () => {
    const config = loadConfig(
      {
        DISCORD_TOKEN: 'discord-token-value',
        DISCORD_API_URL: 'http://127.0.0.1:9/api/',
        DISCORD_DEV_GUILD_ID: '123456789012345678',
        DISCORD_REGISTER_ON_START: 'true',
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_API_URL: 'http://127.0.0.1:9/api',
        SLACK_ADMIN_USER_IDS: 'U1, U2,,',
        STORE_URL: 'sqlite:///var/lib/skidio/bot.sqlite',
        KEY_ENCRYPTION_SECRET: '0123456789abcdef',
        SKIDIO_WATCH_TIMEOUT_S: '60',
        SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'yes',
        PORT: '8080',
      },
      '/srv/bot',
    );
    expect(config.discord).toEqual({
      token: 'discord-token-value',
      apiUrl: 'http://127.0.0.1:9/api',
      devGuildId: '123456789012345678',
      registerOnStart: true,
    });
    expect(config.slack).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'signing-secret',
      apiUrl: 'http://127.0.0.1:9/api/',
      adminUserIds: ['U1', 'U2'],
    });
    expect(config.store).toEqual({ kind: 'sqlite', path: '/var/lib/skidio/bot.sqlite' });
    expect(config.watchTimeoutMs).toBe(60_000);
    expect(config.allowPrivateImageHosts).toBe(true);
    expect(config.port).toBe(8080);
    expect(configSecrets(config).sort()).toEqual([
      '0123456789abcdef',
      'discord-token-value',
      'signing-secret',
      'xoxb-1',
    ]);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set/],
    [{ SLACK_SIGNING_SECRET: 'x' }, /SLACK_BOT_TOKEN is required/],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxp-wrong' },
      /SLACK_APP_TOKEN must be an app-level token/,
    ],
    [{ PORT: 'eighty' }, /^PORT/],
    [{ PORT: '70000' }, /^PORT must be a port number/],
    [{ SKIDIO_API_URL: 'ftp://example.com' }, /^SKIDIO_API_URL must be an http/],
    [{ STORE_URL: 'postgres://x' }, /^STORE_URL must start with sqlite:\/\/ or redis:\/\//],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ SKIDIO_WATCH_TIMEOUT_S: '0' }, /^SKIDIO_WATCH_TIMEOUT_S must be greater than 0/],
    [
      { SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'maybe' },
      /^SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS must be true or false/,
    ],
    [{ KEY_ENCRYPTION_SECRET: 'short' }, /^KEY_ENCRYPTION_SECRET must be at least 16 characters/],
    [{ DISCORD_DEV_GUILD_ID: 'my-server' }, /^DISCORD_DEV_GUILD_ID must be a server id/],
    [
      { DISCORD_TOKEN: 'd', DISCORD_PUBLIC_KEY: 'abc' },
      /^DISCORD_PUBLIC_KEY must be the application public key/,
    ],
    [{ DISCORD_PUBLIC_KEY: 'a'.repeat(64) }, /DISCORD_TOKEN is required when DISCORD_PUBLIC_KEY is set/],
    [{ PUBLIC_URL: 'bot.example.com' }, /^PUBLIC_URL must be an http/],
    [{ SKIDIO_DEFAULT_MODEL: 'dalle' }, /^SKIDIO_DEFAULT_MODEL is not a Skidio model \(one of flux-schnell,/],
    [{ SLACK_CLIENT_ID: '1.2', SLACK_SIGNING_SECRET: 's' }, /needs all three of SLACK_CLIENT_ID/],
    [{ ...SLACK_OAUTH, SLACK_BOT_TOKEN: 'xoxb-1' }, /Set either SLACK_BOT_TOKEN .* not both/],
    [{ ...SLACK_OAUTH, SLACK_SIGNING_SECRET: '' }, /SLACK_SIGNING_SECRET is required with Slack OAuth/],
    [{ ...SLACK_OAUTH, KEY_ENCRYPTION_SECRET: '' }, /KEY_ENCRYPTION_SECRET is required with Slack OAuth/],
    [{ ...SLACK_OAUTH, SLACK_STATE_SECRET: 'short' }, /^SLACK_STATE_SECRET must be at least 16/],
  ])('names the variable and the fix: %o', (env, expected) => {
    const problems = problemsOf(env);
    expect(problems.some((problem) => expected.test(problem))).toBe(true);
  });

  it('treats an empty value as unset: PORT= is 3000, RATE_LIMIT_USER_PER_MINUTE= is 20, never 0', () => {
    const config = loadConfig(
      {
        PORT: '',
        RATE_LIMIT_USER_PER_MINUTE: '',
        RATE_LIMIT_WORKSPACE_PER_MINUTE: '  ',
        MAX_WATCHES_TOTAL: '',
        SKIDIO_WATCH_TIMEOUT_S: '',
        LOG_LEVEL: '',
        STORE_URL: '',
        SKIDIO_API_URL: '',
        DISCORD_REGISTER_ON_START: '',
      },
      '/srv/bot',
    );
    expect(config.port).toBe(3000);
    expect(config.limits.commandsPerUserPerMinute).toBe(20);
    expect(config.limits.commandsPerWorkspacePerMinute).toBe(200);
    expect(config.limits.maxWatchesTotal).toBe(20_000);
    expect(config.watchTimeoutMs).toBe(1_800_000);
    expect(config.logLevel).toBe('info');
    expect(config.store).toEqual({ kind: 'sqlite', path: '/srv/bot/data/skidio.sqlite' });
    expect(config.skidioApiUrl).toBe('https://skidiolabs.com/api');
    // An explicit 0 is still a choice: an ephemeral port, or a limit turned off.
    const explicit = loadConfig({ PORT: '0', RATE_LIMIT_USER_PER_MINUTE: '0' }, '/srv/bot');
    expect(explicit.port).toBe(0);
    expect(explicit.limits.commandsPerUserPerMinute).toBe(0);
  });

  it('reads Slack OAuth, PUBLIC_URL and Discord over HTTP, and counts their secrets', () => {
    const config = loadConfig(
      {
        ...SLACK_OAUTH,
        SLACK_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth/v2/authorize',
        PUBLIC_URL: 'https://bot.example.com/',
        DISCORD_TOKEN: 'discord-token-value',
        DISCORD_PUBLIC_KEY: 'AB'.repeat(32),
      },
      '/srv/bot',
    );
    expect(config.slack?.botToken).toBeUndefined();
    expect(config.slack?.oauth).toEqual({
      clientId: '1111.2222',
      clientSecret: 'client-secret-value',
      stateSecret: 'state-secret-0123456789',
      authorizeUrl: 'http://127.0.0.1:9/oauth/v2/authorize',
    });
    expect(config.publicUrl).toBe('https://bot.example.com');
    expect(config.discord?.publicKey).toBe('ab'.repeat(32));
    expect(config.discord?.registerOnStart).toBe(true);
    expect(configSecrets(config)).toEqual(
      expect.arrayContaining(['client-secret-value', 'state-secret-0123456789', 'discord-token-value']),
    );
    expect(loadConfig(SLACK_OAUTH, '/srv/bot').slack?.oauth?.authorizeUrl).toBe(
      'https://slack.com/oauth/v2/authorize',
    );
  });

  it('accepts LOG_LEVEL in any case', () => {
    expect(loadConfig({ LOG_LEVEL: 'INFO' }, '/srv/bot').logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: ' Debug ' }, '/srv/bot').logLevel).toBe('debug');
  });

  it.each([
    ['PORT', 'eighty', /^PORT must be a whole number \(for example 3000, or leave it empty for 3000\)\.$/],
    [
      'RATE_LIMIT_USER_PER_MINUTE',
      'lots',
      /^RATE_LIMIT_USER_PER_MINUTE must be a whole number \(.*0 for no limit/,
    ],
    ['MAX_IMAGE_BYTES', '2.5', /^MAX_IMAGE_BYTES must be a whole number/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL is not a log level \(one of fatal, .*, in any case\)\.$/],
  ])('says the fix, not raw validation text, for a bad %s', (name, value, expected) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0]).not.toMatch(/NaN|received|expected|Invalid/);
  });

  it('never echoes a value in its messages (some are secrets)', () => {
    const problems = problemsOf({ KEY_ENCRYPTION_SECRET: 'tiny', SLACK_APP_TOKEN: 'xoxp-secret-value' });
    expect(problems.join('\n')).not.toMatch(/tiny|xoxp-secret-value/);
    expect(problems).toHaveLength(2);
  });
});
