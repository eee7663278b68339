/**
 * The Slack app manifest, generated from the command definitions so the slash command's usage hint never
 * drifts from what the bot understands. Paste it at https://api.slack.com/apps ("From an app manifest"),
 * then replace the request URL placeholder with the bot's public address.
 * https://docs.slack.dev/reference/app-manifest
 */
import type { CommandDefinition } from '../../core/command.js';
import { typedCommands, usageOf } from '../../core/command.js';

/** The slash command. */
export const SLASH_COMMAND = '/skidio';

/** Where Slack sends slash commands and interactions in HTTP mode (Bolt's default path). */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Where a person starts installing the app into a workspace (Slack OAuth). */
export const SLACK_INSTALL_PATH = '/slack/install';

/** Where Slack sends the person back after they approved the install (Slack OAuth). */
export const SLACK_OAUTH_REDIRECT_PATH = '/slack/oauth_redirect';

/** Where Slack must send slash commands and interactions; the operator replaces YOUR-HOST. */
export const REQUEST_URL_PLACEHOLDER = `https://YOUR-HOST${SLACK_EVENTS_PATH}`;

/** Every bot scope the adapter uses, with the Web API methods that need it. */
export const BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: 'the /skidio slash command',
  'chat:write': 'chat.postMessage, chat.update, chat.postEphemeral',
  'files:write': 'files.getUploadURLExternal, files.completeUploadExternal',
  'users:read': 'users.info (is the requester a workspace admin?)',
  'channels:join': 'conversations.join (public channels the bot is not in yet)',
  'im:write': 'conversations.open (private results by direct message)',
};

/** The subset of the manifest schema this bot fills in. */
export interface SlackManifest {
  display_information: { name: string; description: string; background_color: string };
  features: {
    app_home: {
      home_tab_enabled: boolean;
      messages_tab_enabled: boolean;
      messages_tab_read_only_enabled: boolean;
    };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: {
      command: string;
      url: string;
      description: string;
      usage_hint: string;
      should_escape: boolean;
    }[];
  };
  oauth_config: { redirect_urls: string[]; scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** A request URL the manifest cannot be built from. */
export class ManifestUrlError extends Error {
  override readonly name = 'ManifestUrlError';
  readonly code = 'bad_manifest_url';
}

/**
 * The OAuth redirect URL on the same host as the request URL: `https://HOST/slack/events` →
 * `https://HOST/slack/oauth_redirect` (the bot serves both). Throws `ManifestUrlError` for any other path.
 */
export function oauthRedirectUrlFor(requestUrl: string): string {
  if (!requestUrl.endsWith(SLACK_EVENTS_PATH)) {
    throw new ManifestUrlError(
      `--url must be the bot's events URL, ending in ${SLACK_EVENTS_PATH} (for example https://bot.example.com${SLACK_EVENTS_PATH}); got ${requestUrl}`,
    );
  }
  return `${requestUrl.slice(0, -SLACK_EVENTS_PATH.length)}${SLACK_OAUTH_REDIRECT_PATH}`;
}

/** `status <job_id> [private] | key set [<key>] | …`: every command's usage without the slash command. */
export function slackUsageHint(commands: readonly CommandDefinition[]): string {
  return typedCommands(commands)
    .map((command) => usageOf(command).replace(/^\/skidio\s+/, ''))
    .join(' | ');
}

/** Builds the manifest; `requestUrl` defaults to the placeholder and must end in `/slack/events`. */
export function buildSlackManifest(
  commands: readonly CommandDefinition[],
  requestUrl: string = REQUEST_URL_PLACEHOLDER,
): SlackManifest {
  return {
    display_information: {
      name: 'Skidio',
      description: 'Checks Skidio Labs image jobs and posts the images in the channel.',
      background_color: '#2c2d30',
    },
    features: {
      // The messages tab lets people use /skidio in a direct message with the bot.
      app_home: {
        home_tab_enabled: false,
        messages_tab_enabled: true,
        messages_tab_read_only_enabled: false,
      },
      bot_user: { display_name: 'Skidio', always_online: true },
      slash_commands: [
        {
          command: SLASH_COMMAND,
          url: requestUrl,
          description: 'Check a Skidio image job and post its images here',
          usage_hint: slackUsageHint(commands),
          // Job ids and keys must arrive exactly as typed.
          should_escape: false,
        },
      ],
    },
    // Slack sends a person who approved an install back here (SLACK_CLIENT_ID… and PUBLIC_URL set).
    oauth_config: {
      redirect_urls: [oauthRedirectUrlFor(requestUrl)],
      scopes: { bot: Object.keys(BOT_SCOPES) },
    },
    settings: {
      // The key modal's submission comes back to the same endpoint as the slash command.
      interactivity: { is_enabled: true, request_url: requestUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
