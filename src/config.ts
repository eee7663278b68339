/**
 * The configuration contract of DESIGN.md, read once at start-up and checked with zod. A wrong or missing
 * value stops start-up with a message that names the variable and the fix; the variable names never change.
 * An empty value (`PORT=`, as `.env.example` leaves many) means unset: the default applies.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { SKIDIO_MODELS, type SkidioModel } from './core/skidio-client.js';

/** Start-up cannot continue; `problems` are one sentence each, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      `Configuration problem${problems.length > 1 ? 's' : ''}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
}

/** Where keys and watches live. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

/** The whole configuration, typed. Platforms are present only when configured. */
export interface Config {
  skidioApiUrl: string;
  discord?: {
    token: string;
    apiUrl: string;
    devGuildId?: string;
    registerOnStart: boolean;
    /** The application's Ed25519 public key (hex): interactions arrive over HTTP, no gateway session. */
    publicKey?: string;
  };
  slack?: {
    /** One workspace's bot token (single-token mode); absent when `oauth` installs into many workspaces. */
    botToken?: string;
    /** Slack OAuth: any number of workspaces install the app, each with its own stored bot token. */
    oauth?: { clientId: string; clientSecret: string; stateSecret: string; authorizeUrl: string };
    signingSecret?: string;
    appToken?: string;
    apiUrl: string;
    adminUserIds: string[];
  };
  port: number;
  /** The bot's public base URL, without a trailing slash: OAuth redirect, webhooks, manifest, landing page. */
  publicUrl?: string;
  store: StoreLocation;
  keyEncryptionSecret?: string;
  /** The secret keys were stored with before a rotation; they are re-sealed under the current one at start-up. */
  keyEncryptionSecretPrevious?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  watchTimeoutMs: number;
  allowPrivateImageHosts: boolean;
  /** `/skidio imagine`'s model when none is given. */
  defaultModel: SkidioModel;
  maxImageBytes: number;
  limits: {
    commandsPerUserPerMinute: number;
    commandsPerWorkspacePerMinute: number;
    maxWatchesPerWorkspace: number;
    maxWatchesTotal: number;
    maxImagesPerJob: number;
  };
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'must be true or false')
  .transform((value) => ['true', '1', 'yes'].includes(value));
const httpUrl = z
  .string()
  .trim()
  .refine(
    (value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value),
    'must be an http:// or https:// URL',
  );
// Numbers are read from text: anything that is not a number says so, instead of zod's "received NaN".
const wholeNumber = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number');
const positiveInt = wholeNumber.positive('must be greater than 0');
const nonNegativeInt = wholeNumber.min(0, 'must be 0 (off) or more');
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const schema = z.object({
  SKIDIO_API_URL: httpUrl.default('https://skidiolabs.com/api'),
  DISCORD_TOKEN: optionalText,
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  DISCORD_DEV_GUILD_ID: optionalText.refine(
    (value) => value === undefined || /^\d{5,20}$/.test(value),
    'must be a server id (digits)',
  ),
  DISCORD_REGISTER_ON_START: booleanText.default(true),
  DISCORD_PUBLIC_KEY: optionalText.refine(
    (value) => value === undefined || /^[0-9a-f]{64}$/i.test(value),
    'must be the application public key: 64 hexadecimal characters',
  ),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  SLACK_STATE_SECRET: optionalText.refine(
    (value) => value === undefined || value.length >= 16,
    'must be at least 16 characters (use a long random string)',
  ),
  SLACK_AUTHORIZE_URL: httpUrl.default('https://slack.com/oauth/v2/authorize'),
  PUBLIC_URL: optionalText.refine(
    (value) => value === undefined || (/^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value)),
    'must be an http:// or https:// URL',
  ),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine(
    (value) => value === undefined || value.startsWith('xapp-'),
    'must be an app-level token starting with xapp-',
  ),
  SLACK_API_URL: httpUrl.default('https://slack.com/api/'),
  SLACK_ADMIN_USER_IDS: z.string().default(''),
  // 0 asks the system for a free port (tests do); only an explicit 0 does: an empty PORT means 3000.
  PORT: wholeNumber
    .min(0, 'must be a port number (0-65535)')
    .max(65535, 'must be a port number (0-65535)')
    .default(3000),
  STORE_URL: z
    .string()
    .trim()
    .default('sqlite://data/skidio.sqlite')
    .refine(
      (value) => /^(sqlite:\/\/.+|rediss?:\/\/.+)$/.test(value),
      'must start with sqlite:// or redis://',
    ),
  KEY_ENCRYPTION_SECRET: optionalText.refine(
    (value) => value === undefined || value.length >= 16,
    'must be at least 16 characters (use a long random string)',
  ),
  KEY_ENCRYPTION_SECRET_PREVIOUS: optionalText,
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_LEVELS, { error: 'is not a log level' }))
    .default('info'),
  SKIDIO_WATCH_TIMEOUT_S: positiveInt.default(1800),
  SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: booleanText.default(false),
  SKIDIO_DEFAULT_MODEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(SKIDIO_MODELS, { error: 'is not a Skidio model' }))
    .default('flux-schnell'),
  MAX_IMAGE_BYTES: positiveInt.default(26_214_400),
  RATE_LIMIT_USER_PER_MINUTE: nonNegativeInt.default(20),
  RATE_LIMIT_WORKSPACE_PER_MINUTE: nonNegativeInt.default(200),
  MAX_WATCHES_PER_WORKSPACE: positiveInt.default(100),
  MAX_WATCHES_TOTAL: positiveInt.default(20_000),
  MAX_IMAGES_PER_JOB: positiveInt.default(20),
});

const FIXES: Record<string, string> = {
  SKIDIO_API_URL: 'for example https://skidiolabs.com/api',
  DISCORD_API_URL: 'for example https://discord.com/api',
  SLACK_API_URL: 'for example https://slack.com/api/',
  SLACK_AUTHORIZE_URL: 'for example https://slack.com/oauth/v2/authorize',
  PUBLIC_URL: 'for example https://bot.example.com',
  STORE_URL: 'for example sqlite://data/skidio.sqlite or redis://127.0.0.1:6379',
  SKIDIO_DEFAULT_MODEL: `one of ${SKIDIO_MODELS.join(', ')}`,
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}, in any case`,
  PORT: 'for example 3000, or leave it empty for 3000',
  SKIDIO_WATCH_TIMEOUT_S: 'seconds, for example 1800, or leave it empty for 1800',
  MAX_IMAGE_BYTES: 'bytes, for example 26214400, or leave it empty for that',
  RATE_LIMIT_USER_PER_MINUTE: 'for example 20, 0 for no limit, or leave it empty for 20',
  RATE_LIMIT_WORKSPACE_PER_MINUTE: 'for example 200, 0 for no limit, or leave it empty for 200',
  MAX_WATCHES_PER_WORKSPACE: 'for example 100, or leave it empty for 100',
  MAX_WATCHES_TOTAL: 'for example 20000, or leave it empty for 20000',
  MAX_IMAGES_PER_JOB: 'for example 20, or leave it empty for 20',
  DISCORD_REGISTER_ON_START: 'true or false, or leave it empty for true',
  SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true or false, or leave it empty for false',
};

/**
 * The environment with empty (or blank) values left out: DESIGN.md says an empty value means unset, so
 * `PORT=` is the default port and `RATE_LIMIT_USER_PER_MINUTE=` the default limit, never 0.
 */
export function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') kept[name] = value;
  }
  return kept;
}

/** Reads and checks the environment. Throws `ConfigError` listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const parsed = schema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const fix = FIXES[name] ? ` (${FIXES[name]})` : '';
        // Values are never echoed: some of these variables are secrets.
        return `${name} ${issue.message}${fix}.`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const oauthParts = [e.SLACK_CLIENT_ID, e.SLACK_CLIENT_SECRET, e.SLACK_STATE_SECRET];
  const oauth = oauthParts.some((part) => part !== undefined);
  if (oauth && oauthParts.some((part) => part === undefined)) {
    problems.push(
      'Slack OAuth needs all three of SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (Basic Information > App Credentials; the state secret is any long random string).',
    );
  }
  if (oauth && e.SLACK_BOT_TOKEN) {
    problems.push(
      'Set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID with SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (installs into many workspaces), not both.',
    );
  }
  if (oauth && !e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET is required with Slack OAuth (Basic Information > App Credentials).');
  }
  if (oauth && !e.KEY_ENCRYPTION_SECRET) {
    problems.push(
      "KEY_ENCRYPTION_SECRET is required with Slack OAuth: the installed workspaces' bot tokens are stored encrypted with it.",
    );
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    problems.push(
      'SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (or set SLACK_APP_TOKEN for Socket Mode).',
    );
  }
  if (!e.SLACK_BOT_TOKEN && !oauth && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)) {
    problems.push(
      'SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set (the xoxb- token from OAuth & Permissions), or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET to install into many workspaces.',
    );
  }
  if (e.DISCORD_PUBLIC_KEY && !e.DISCORD_TOKEN) {
    problems.push(
      'DISCORD_TOKEN is required when DISCORD_PUBLIC_KEY is set: replies and results are posted over REST with the bot token.',
    );
  }
  if (e.KEY_ENCRYPTION_SECRET_PREVIOUS && !e.KEY_ENCRYPTION_SECRET) {
    problems.push(
      'KEY_ENCRYPTION_SECRET is required when KEY_ENCRYPTION_SECRET_PREVIOUS is set (the new secret to rotate to).',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    skidioApiUrl: e.SKIDIO_API_URL.replace(/\/+$/, ''),
    ...(e.DISCORD_TOKEN
      ? {
          discord: {
            token: e.DISCORD_TOKEN,
            apiUrl: e.DISCORD_API_URL.replace(/\/+$/, ''),
            registerOnStart: e.DISCORD_REGISTER_ON_START,
            ...(e.DISCORD_PUBLIC_KEY ? { publicKey: e.DISCORD_PUBLIC_KEY.toLowerCase() } : {}),
            ...(e.DISCORD_DEV_GUILD_ID ? { devGuildId: e.DISCORD_DEV_GUILD_ID } : {}),
          },
        }
      : {}),
    ...(e.SLACK_BOT_TOKEN || oauth
      ? {
          slack: {
            ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
            ...(e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET && e.SLACK_STATE_SECRET
              ? {
                  oauth: {
                    clientId: e.SLACK_CLIENT_ID,
                    clientSecret: e.SLACK_CLIENT_SECRET,
                    stateSecret: e.SLACK_STATE_SECRET,
                    authorizeUrl: e.SLACK_AUTHORIZE_URL,
                  },
                }
              : {}),
            apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
            adminUserIds: e.SLACK_ADMIN_USER_IDS.split(',')
              .map((id) => id.trim())
              .filter((id) => id !== ''),
            ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
            ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
          },
        }
      : {}),
    port: e.PORT,
    ...(e.PUBLIC_URL ? { publicUrl: e.PUBLIC_URL.replace(/\/+$/, '') } : {}),
    store: storeLocation(e.STORE_URL, cwd),
    ...(e.KEY_ENCRYPTION_SECRET ? { keyEncryptionSecret: e.KEY_ENCRYPTION_SECRET } : {}),
    ...(e.KEY_ENCRYPTION_SECRET_PREVIOUS
      ? { keyEncryptionSecretPrevious: e.KEY_ENCRYPTION_SECRET_PREVIOUS }
      : {}),
    logLevel: e.LOG_LEVEL,
    watchTimeoutMs: e.SKIDIO_WATCH_TIMEOUT_S * 1000,
    allowPrivateImageHosts: e.SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS,
    defaultModel: e.SKIDIO_DEFAULT_MODEL,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    limits: {
      commandsPerUserPerMinute: e.RATE_LIMIT_USER_PER_MINUTE,
      commandsPerWorkspacePerMinute: e.RATE_LIMIT_WORKSPACE_PER_MINUTE,
      maxWatchesPerWorkspace: e.MAX_WATCHES_PER_WORKSPACE,
      maxWatchesTotal: e.MAX_WATCHES_TOTAL,
      maxImagesPerJob: e.MAX_IMAGES_PER_JOB,
    },
  };
}

/** `sqlite://data/x.sqlite` is relative to `cwd`; `sqlite:///abs/x.sqlite` is absolute. */
function storeLocation(url: string, cwd: string): StoreLocation {
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return { kind: 'redis', url };
  const path = url.slice('sqlite://'.length);
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

/** The secrets in a config, so the logger can scrub them from any line. */
export function configSecrets(config: Config): string[] {
  return [
    config.discord?.token,
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.slack?.oauth?.clientSecret,
    config.slack?.oauth?.stateSecret,
    config.keyEncryptionSecret,
    config.keyEncryptionSecretPrevious,
  ].filter((secret): secret is string => secret !== undefined);
}
