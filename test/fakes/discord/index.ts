import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway } from './gateway.js';
import { parseBody } from './http.js';
import {
  createInteractionKeys,
  type HttpAnswer,
  type HttpSigning,
  type InteractionKeys,
  postSignedInteraction,
} from './interaction-signing.js';
import { DEFAULT_APPLICATION_ID, DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID } from './payloads.js';
import { RequestLog } from './recorder.js';
import { appRoutes } from './routes-app.js';
import { channelRoutes } from './routes-channels.js';
import { handleCallback, interactionRoutes } from './routes-interactions.js';
import { restHandler } from './server.js';
import { FakeState } from './state.js';
import type {
  FakeDiscordOptions,
  FakeMessage,
  InjectedResponse,
  RecordedRequest,
  RegisteredCommands,
  RequestMatch,
} from './types.js';

export * from './interaction-signing.js';
export * from './payloads.js';
export type * from './types.js';

/** A running fake Discord: point discord.js at `apiUrl`, drive it, assert on `requests`. */
export interface FakeDiscord {
  /** REST base for `new Client({ rest: { api: fake.apiUrl } })`, e.g. `http://127.0.0.1:PORT/api`. */
  readonly apiUrl: string;
  /** Gateway URL announced by `GET /gateway/bot` (same port). */
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botUserId: string;
  /** Every API request received, in order (attachment downloads excluded). */
  readonly requests: RecordedRequest[];
  /** Last command registration bodies, global and per guild. */
  readonly registeredCommands: RegisteredCommands;
  /** Gateway sessions with a live, identified (or resumed) socket. */
  readonly connections: number;
  /** How many times clients sent IDENTIFY and RESUME. */
  readonly gatewayStats: { readonly identifies: number; readonly resumes: number };
  /** Resolves with the first request matching `predicate`, already recorded or future; rejects after `timeoutMs` listing what arrived. */
  waitForRequest(
    predicate: (request: RecordedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedRequest>;
  /** Serves `response` to the next `times` requests matching `match` instead of the normal route (state is untouched). */
  respondNext(match: RequestMatch, response: InjectedResponse, times?: number): void;
  /** The application's public key (hex), for `DISCORD_PUBLIC_KEY`; the fake signs HTTP interactions with its pair. */
  readonly publicKey: string;
  readonly interactionKeys: InteractionKeys;
  /** The bot's answers to interactions sent over HTTP, in order, by interaction id. */
  readonly httpAnswers: { interactionId: string; answer: HttpAnswer }[];
  /**
   * As Discord does with an Interactions Endpoint URL: remembers the interaction, POSTs it signed to `url`, and
   * takes a 200 answer as the interaction's first response (as if it were its callback). Resolves with the answer.
   */
  sendInteractionOverHttp(
    url: string,
    payload: { id: string; token: string },
    signing?: HttpSigning,
  ): Promise<HttpAnswer>;
  /** Sends INTERACTION_CREATE to every gateway session and remembers the interaction for its callback and webhook. */
  dispatchInteraction(payload: { id: string; token: string }): Promise<void>;
  /** Sends any dispatch event (`t`, `d`); waits up to `timeoutMs` for a live session first. */
  dispatch(type: string, data: unknown, timeoutMs?: number): Promise<void>;
  /** Resolves once `count` gateway sessions are live (e.g. after `dropConnections()`). */
  waitForConnections(count?: number, timeoutMs?: number): Promise<void>;
  /** Messages of a channel in order: bot messages and interaction responses (check `flags & 64` for ephemeral). */
  channelMessages(channelId: string): FakeMessage[];
  /** Makes every known interaction token invalid, like after Discord's 15 minutes: webhook calls get 401 50027. */
  expireInteractionTokens(): void;
  /** Closes the gateway sockets: code 4000 (default) lets the client resume, 1000 makes it identify anew. */
  dropConnections(code?: number): void;
  /** Stops the fake: terminates sockets and keep-alive connections. */
  close(): Promise<void>;
}

const DEFAULT_GUILDS = [
  {
    id: DEFAULT_GUILD_ID,
    name: 'Skidio Test Guild',
    channels: [{ id: DEFAULT_CHANNEL_ID, name: 'general' }],
  },
];

/** Starts a loopback fake of Discord's REST API and gateway on an ephemeral port of 127.0.0.1. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}`;
  const applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
  const bot = {
    id: options.botUserId ?? '1000000000000000002',
    username: options.botUsername ?? 'skidio-bot',
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
    public_flags: 0,
  };
  const state = new FakeState(applicationId, bot, options.guilds ?? DEFAULT_GUILDS, origin);
  const log = new RequestLog();
  const interactionKeys = createInteractionKeys();
  state.verifyKey = interactionKeys.publicKeyHex;
  const httpAnswers: { interactionId: string; answer: HttpAnswer }[] = [];
  const gateway = new FakeGateway(state, gatewayUrl, options.heartbeatIntervalMs ?? 45_000);
  // Attached only now that the URLs are known; nobody can connect before the port is returned.
  http.on(
    'request',
    restHandler(state, log, [...appRoutes(gatewayUrl), ...channelRoutes(), ...interactionRoutes()]),
  );
  http.on('upgrade', (request, socket, head) => gateway.handleUpgrade(request, socket, head));

  return {
    apiUrl: `${origin}/api`,
    gatewayUrl,
    applicationId,
    botUserId: bot.id,
    requests: log.requests,
    registeredCommands: state.commands,
    get connections() {
      return gateway.connections;
    },
    gatewayStats: gateway.stats,
    publicKey: interactionKeys.publicKeyHex,
    interactionKeys,
    httpAnswers,
    sendInteractionOverHttp: async (url, payload, signing) => {
      state.registerInteraction(payload);
      const answer = await postSignedInteraction(url, interactionKeys, JSON.stringify(payload), signing);
      httpAnswers.push({ interactionId: payload.id, answer });
      if (answer.status === 200) {
        const parsed = await parseBody(answer.contentType, answer.body);
        handleCallback({
          params: new Map([
            ['interaction', payload.id],
            ['token', payload.token],
          ]),
          query: new URLSearchParams(),
          json: parsed.json,
          files: parsed.files,
          state,
        });
      }
      return answer;
    },
    waitForRequest: (predicate, timeoutMs = 5000) => log.waitFor(predicate, timeoutMs),
    respondNext: (match, response, times = 1) => log.addOverride(match, response, times),
    dispatchInteraction: async (payload) => {
      state.registerInteraction(payload);
      await gateway.dispatch('INTERACTION_CREATE', payload, 5000);
    },
    dispatch: async (type, data, timeoutMs = 5000) => {
      if (type === 'INTERACTION_CREATE') state.registerInteraction(data);
      await gateway.dispatch(type, data, timeoutMs);
    },
    waitForConnections: (count = 1, timeoutMs = 5000) => gateway.waitForConnections(count, timeoutMs),
    channelMessages: (channelId) => state.messages.inChannel(channelId),
    expireInteractionTokens: () => {
      for (const interaction of state.interactions.values()) interaction.expired = true;
    },
    dropConnections: (code = 4000) => gateway.drop(code),
    close: async () => {
      await gateway.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
