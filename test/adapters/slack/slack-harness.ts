/**
 * The Slack adapter wired as main wires it: config from the environment, shared services on the Skidio
 * simulator, the adapter's route on the shared HTTP server, the real Bolt App talking to a fake Slack.
 */
import type { webApi } from '@slack/bolt';
import { SLACK_EVENTS_PATH } from '../../../src/adapters/slack/manifest.js';
import { createSlackAdapter, type SlackAdapter } from '../../../src/adapters/slack/slack-adapter.js';
import { startWatches } from '../../../src/bot.js';
import { configSecrets } from '../../../src/config.js';
import { type BotHttpServer, startHttpServer } from '../../../src/http-server.js';
import type { SimulatorOptions } from '../../../src/simulator/index.js';
import {
  type AppResponse,
  type FakeSlack,
  type FakeSlackOptions,
  type RecordedCall,
  type SigningOverrides,
  type SlashCommandFields,
  sendInteraction,
  sendSlashCommand,
  startFakeSlack,
  viewSubmission,
} from '../../fakes/slack/index.js';
import { type BotStack, startBotStack, TEST_API_KEY } from '../../support/bot-stack.js';

export const SIGNING_SECRET = 'test-signing-secret-5d1e9a';
export const BOT_TOKEN = 'xoxb-test-4242-bot-token';
/** The fake's default workspace, as the bot names it. */
export const WORKSPACE = 'slack:T0000001';

/** Options of one harness. */
export interface SlackHarnessOptions {
  fake?: FakeSlackOptions;
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  retryConfig?: webApi.RetryOptions;
  /** Store TEST_API_KEY for the workspace before the test (default true). */
  withKey?: boolean;
  /** Start the watcher with the adapter (default true); false lets a test seed stored watches first. */
  startWatches?: boolean;
}

/** A running Slack adapter and everything around it. */
export interface SlackHarness {
  stack: BotStack;
  fake: FakeSlack;
  adapter: SlackAdapter;
  http: BotHttpServer;
  /** `http://127.0.0.1:PORT/slack/events`. */
  url: string;
  /** Sends a signed `/skidio <text>`; `response_url` points at the fake, recorded under `responseId`. */
  slash(text: string, fields?: Partial<SlashCommandFields>, signing?: SigningOverrides): Promise<AppResponse>;
  /** Submits the key modal as `userId` with `value` typed in its input. */
  submitKey(userId: string, value: string | null, channelId?: string): Promise<AppResponse>;
  /** The Web API calls after start-up (auth.test left out), as `method` names. */
  methods(): string[];
  close(): Promise<void>;
}

/** Starts everything; call `close()` in `afterEach`. */
export async function startSlackHarness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, ...options.fake });
  const stack = await startBotStack({
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      ...options.env,
    },
    ...(options.simulator ? { simulator: options.simulator } : {}),
  });
  // As main does: every configured secret is scrubbed from log lines.
  for (const secret of configSecrets(stack.config)) stack.log.secrets.add(secret);
  const slack = stack.config.slack;
  if (!slack) throw new Error('the test environment did not configure Slack');
  if (options.withKey !== false) await stack.services.keys.set(WORKSPACE, TEST_API_KEY, 'test');
  const adapter = createSlackAdapter(slack, {
    services: stack.services,
    logger: stack.log.logger.child({ adapter: 'slack' }),
    retryConfig: options.retryConfig ?? { retries: 0 },
  });
  const http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    routes: adapter.routes,
    readiness: [{ name: 'slack', check: () => adapter.isReady() }],
    logger: stack.log.logger,
  });
  const url = `http://127.0.0.1:${http.port}${SLACK_EVENTS_PATH}`;
  let responseIds = 0;
  try {
    await adapter.start();
    if (options.startWatches !== false) await startWatches(stack.services, [adapter]);
  } catch (error) {
    await http.close();
    await stack.close();
    await fake.close();
    throw error;
  }
  return {
    stack,
    fake,
    adapter,
    http,
    url,
    slash(text, fields = {}, signing = {}) {
      responseIds += 1;
      return sendSlashCommand(
        url,
        SIGNING_SECRET,
        {
          text,
          user_id: 'U_MEMBER',
          channel_id: 'C_PUBLIC',
          response_url: fake.responseUrl(`r${responseIds}`),
          ...fields,
        },
        signing,
      );
    },
    submitKey(userId, value, channelId = 'C_PUBLIC') {
      return sendInteraction(
        url,
        SIGNING_SECRET,
        viewSubmission({
          callbackId: 'skidio_key_set',
          userId,
          privateMetadata: channelId,
          viewId: fake.views.at(-1)?.id ?? 'V_NONE',
          values: { api_key: { value: { type: 'plain_text_input', value } } },
        }),
      );
    },
    methods: () => fake.calls.filter((call) => call.method !== 'auth.test').map((call) => call.method),
    async close() {
      await adapter.stop();
      await stack.close();
      await http.close();
      await fake.close();
    },
  };
}

/** The `text` argument of a recorded call. */
export function textOf(call: RecordedCall): string {
  return typeof call.args.text === 'string' ? call.args.text : '';
}
