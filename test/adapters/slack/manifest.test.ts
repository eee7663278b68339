import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import {
  buildSlackManifest,
  ManifestUrlError,
  REQUEST_URL_PLACEHOLDER,
} from '../../../src/adapters/slack/manifest.js';
import { typedCommands, usageOf } from '../../../src/core/command.js';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/adapters/slack/manifest-cli.ts', ...args], {
    cwd: process.cwd(),
  });

describe('Slack app manifest', () => {
  it('declares /skidio with a usage hint from the command definitions, the scopes, and HTTP mode', () => {
    const manifest = buildSlackManifest(commands);
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command).toMatchObject({ command: '/skidio', url: REQUEST_URL_PLACEHOLDER, should_escape: false });
    for (const definition of typedCommands(commands)) {
      expect(command?.usage_hint).toContain(usageOf(definition).replace('/skidio ', ''));
    }
    // Built by the same function the hint is: pinned as a person reads it, so a broken usageOf shows.
    expect(command?.usage_hint).toBe(
      'status <job_id> [private] | imagine <prompt> [--model <model>] [--size <size>] [--count <n>] [--negative <negative>] [--seed <n>] [--steps <n>] [--private] | key set [<key>] | key show | key clear | help',
    );
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'files:write',
        'users:read',
        'channels:join',
        'im:write',
      ]),
    );
    expect(REQUEST_URL_PLACEHOLDER).toBe('https://YOUR-HOST/slack/events');
    expect(manifest.settings).toMatchObject({
      interactivity: { is_enabled: true, request_url: REQUEST_URL_PLACEHOLDER },
      socket_mode_enabled: false,
    });
    // Slack's limits: command ≤ 32 characters, usage hint ≤ 1000, app name ≤ 35.
    expect(command?.usage_hint.length).toBeLessThanOrEqual(1000);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
  });

  it('is printed by the CLI with --stdout and written to a file otherwise', async () => {
    const printed = await cli('--stdout', '--url', 'https://bot.example.com/slack/events');
    const manifest = JSON.parse(printed.stdout) as ReturnType<typeof buildSlackManifest>;
    expect(manifest.features.slash_commands[0]?.url).toBe('https://bot.example.com/slack/events');

    const dir = await mkdtemp(join(tmpdir(), 'slack-manifest-'));
    try {
      const out = join(dir, 'manifest.json');
      await cli('--out', out);
      expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(buildSlackManifest(commands));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(cli('--url', 'http://insecure.example.com')).rejects.toMatchObject({ code: 2 });
  });

  it('lists the OAuth redirect URL on the events URL’s host, and refuses a --url that is not the events URL', async () => {
    expect(buildSlackManifest(commands).oauth_config.redirect_urls).toEqual([
      'https://YOUR-HOST/slack/oauth_redirect',
    ]);
    const printed = await cli('--stdout', '--url', 'https://bot.example.com/base/slack/events');
    const manifest = JSON.parse(printed.stdout) as ReturnType<typeof buildSlackManifest>;
    expect(manifest.oauth_config.redirect_urls).toEqual([
      'https://bot.example.com/base/slack/oauth_redirect',
    ]);

    const refused = await cli('--stdout', '--url', 'https://bot.example.com/slack/install').catch(
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect((refused as { stderr: string }).stderr).toContain(
      "--url must be the bot's events URL, ending in /slack/events (for example https://bot.example.com/slack/events)",
    );
    expect(() => buildSlackManifest(commands, 'https://bot.example.com/')).toThrow(ManifestUrlError);
  });
});
