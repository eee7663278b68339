import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { skidioCommandJson } from '../../../src/adapters/discord/command-definitions.js';
import { inDiscordWords } from '../../../src/adapters/discord/texts.js';

describe('Discord words', () => {
  it('says server where the core says workspace, and leaves quoted API text alone', () => {
    expect(inDiscordWords('🔒 Only workspace admins can manage the Skidio API key.')).toBe(
      '🔒 Only server admins can manage the Skidio API key.',
    );
    expect(inDiscordWords("Skidio has no job `x` for this workspace's API key.")).toBe(
      "Skidio has no job `x` for this server's API key.",
    );
    expect(inDiscordWords('❌ The job failed: workspace quota exceeded')).toBe(
      '❌ The job failed: workspace quota exceeded',
    );
  });

  it('registers command descriptions in Discord words', () => {
    const text = JSON.stringify(skidioCommandJson(commands));
    expect(text).toContain("Set this server's Skidio API key");
    expect(text).not.toMatch(/this workspace/i);
  });
});
