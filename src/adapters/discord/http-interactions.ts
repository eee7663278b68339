/**
 * `POST /discord/interactions`: Discord interactions over HTTP (`DISCORD_PUBLIC_KEY`), the second entry point
 * into the Discord adapter. A verified interaction is handed to discord.js exactly as a gateway event would
 * be (discord-entry.ts), so the gateway's command and reply code runs unchanged; its first response, which
 * discord.js sends as a REST callback, is captured (callback-capture.ts) and becomes this request's answer.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#receiving-an-interaction
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import type { AckFirst } from '../../core/ack-first.js';
import type { Logger } from '../../core/ports.js';
import { arrivalOf } from '../../http-server.js';
import type { BotMetrics } from '../../metrics.js';
import type { HttpRoute } from '../platform.js';
import type { CallbackCapture } from './callback-capture.js';
import type { SignatureCheck } from './signature.js';
import { UNREADABLE_INTERACTION_TEXT } from './texts.js';

/** Where Discord's Interactions Endpoint URL points, on the shared HTTP server. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

/** Discord's interactions are a few KiB; anything this large is not one. */
export const MAX_INTERACTION_BODY_BYTES = 1024 * 1024;

/**
 * Discord gives an interaction 3 s for its first response. The handler acknowledges before any I/O, so this
 * is a safety net: past it the request is answered with a deferral, and the handler's own acknowledgement,
 * sent later over REST, is refused as "already acknowledged", which it takes as deferred.
 */
export const DEFAULT_ACK_DEADLINE_MS = 2500;

/** What the route needs. */
export interface InteractionsRouteDeps {
  checkSignature: SignatureCheck;
  capture: CallbackCapture;
  /** Hands a verified interaction to the command code; its first response comes back through `capture`. */
  deliver(payload: Record<string, unknown>): void;
  /** False until the application id is known, and after stop: the request gets 503. */
  isAccepting(): boolean;
  logger: Logger;
  metrics: Pick<BotMetrics, 'observeAck'>;
  ackFirst: AckFirst;
  ackDeadlineMs?: number;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
}

/** The body, or undefined once it grows past `limit` (the rest is not read). */
async function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer when the handler has not acknowledged in time. Private: the handler may have meant a private
 * reply, and a result must never become public by accident (a public one shown privately is the lesser harm).
 */
function deferralFor(interactionType: unknown): unknown {
  return interactionType === InteractionType.MessageComponent
    ? { type: InteractionResponseType.DeferredMessageUpdate }
    : {
        type: InteractionResponseType.DeferredChannelMessageWithSource,
        data: { flags: MessageFlags.Ephemeral },
      };
}

/** Builds the route. */
export function createInteractionsRoute(deps: InteractionsRouteDeps): HttpRoute {
  const log = deps.logger;
  const deadlineMs = deps.ackDeadlineMs ?? DEFAULT_ACK_DEADLINE_MS;

  /** Answers an interaction with its first response, or a deferral past the deadline. */
  async function answerInteraction(
    payload: Record<string, unknown>,
    id: string,
    token: string,
    response: ServerResponse,
  ): Promise<void> {
    const pending = deps.capture.expect(id, token);
    response.once('finish', () => pending.settle(true));
    response.once('close', () => pending.settle(response.writableFinished));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    try {
      deps.deliver(payload);
    } catch (error) {
      // A payload discord.js could not build: the person hears so privately, as in gateway mode.
      pending.cancel();
      clearTimeout(timer);
      log.error({ err: error, interactionType: payload.type }, 'an interaction could not be handled');
      sendJson(response, 200, {
        type: InteractionResponseType.ChannelMessageWithSource,
        data: { content: UNREADABLE_INTERACTION_TEXT, flags: MessageFlags.Ephemeral },
      });
      return;
    }
    const first = await Promise.race([pending.callback, deadline]);
    clearTimeout(timer);
    if (first === 'late') {
      pending.cancel();
      log.warn(
        { interaction: id, deadlineMs },
        'an interaction was not acknowledged in time: answered with a deferral',
      );
      sendJson(response, 200, deferralFor(payload.type));
      return;
    }
    response
      .writeHead(200, { 'content-type': first.contentType, 'content-length': first.body.length })
      .end(first.body);
  }

  return {
    method: 'POST',
    path: DISCORD_INTERACTIONS_PATH,
    async handle(request, response) {
      const arrived = arrivalOf(request);
      // Until it is answered, work after earlier acks and watch turns wait (see core/ack-first.ts).
      const acked = deps.ackFirst.awaitingAck();
      response.once('close', acked);
      if (!deps.isAccepting()) {
        acked();
        response.writeHead(503).end();
        return;
      }
      const raw = await readBodyWithin(request, MAX_INTERACTION_BODY_BYTES);
      if (raw === undefined) {
        acked();
        // The rest of the body is not read: close the connection rather than drain it.
        response.setHeader('connection', 'close');
        sendJson(response, 413, { error: 'request body too large' });
        return;
      }
      const problem = deps.checkSignature(
        {
          signature: request.headers['x-signature-ed25519'] as string | undefined,
          timestamp: request.headers['x-signature-timestamp'] as string | undefined,
        },
        raw,
      );
      if (problem) {
        acked();
        log.info({ problem }, 'refused a Discord interaction request');
        sendJson(response, 401, { error: 'invalid request signature' });
        return;
      }
      const payload = parseJsonObject(raw);
      if (!payload) {
        acked();
        log.warn(
          { bytes: raw.length },
          'a signed Discord interaction request whose body is not a JSON object',
        );
        sendJson(response, 400, { error: 'body is not a JSON object' });
        return;
      }
      if (payload.type === InteractionType.Ping) {
        acked();
        sendJson(response, 200, { type: InteractionResponseType.Pong });
        return;
      }
      const { id, token } = payload;
      if (typeof id !== 'string' || typeof token !== 'string') {
        acked();
        log.warn({ interactionType: payload.type }, 'a signed Discord interaction without an id or a token');
        sendJson(response, 400, { error: 'interaction without an id or a token' });
        return;
      }
      // The ack is this request's answer: timed from the request reaching the process to the answer sent.
      response.once('finish', () => {
        acked();
        deps.metrics.observeAck('discord', performance.now() - arrived);
      });
      await answerInteraction(payload, id, token, response);
    },
  };
}
