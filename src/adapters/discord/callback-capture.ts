/**
 * Turns discord.js's interaction callback into the HTTP answer. Over HTTP, Discord expects an interaction's
 * first response (a deferral, a modal, a private reply) as the body of its POST's answer; discord.js sends it
 * as `POST /interactions/{id}/{token}/callback` through its REST. @discordjs/rest takes a `makeRequest` option
 * (its documented way to swap the HTTP client): the one here hands the callback of an interaction that
 * arrived over HTTP to the waiting request, and resolves discord.js's call once that answer is written, or
 * as Discord would refuse it if the answer could not be written. Every other request goes out unchanged.
 */
import { DefaultRestOptions, type RESTOptions } from 'discord.js';

type MakeRequest = RESTOptions['makeRequest'];
type RestResponse = Awaited<ReturnType<MakeRequest>>;

/** The first response of an interaction, ready to be the HTTP answer. */
export interface CapturedCallback {
  body: Buffer;
  contentType: string;
}

/** An interaction waiting for its first response. */
export interface PendingCallback {
  /** Resolves with the first callback discord.js sends for the interaction. */
  readonly callback: Promise<CapturedCallback>;
  /** Tells discord.js whether the captured callback reached Discord as the HTTP answer. */
  settle(delivered: boolean): void;
  /** Stops waiting (the request was answered otherwise): a later callback goes to Discord's REST. */
  cancel(): void;
}

/** The capture shared by the client's REST and the interactions route. */
export interface CallbackCapture {
  /** The `rest.makeRequest` for the client. */
  readonly makeRequest: MakeRequest;
  /** Starts waiting for interaction `id`'s first callback. */
  expect(id: string, token: string): PendingCallback;
}

interface Waiting {
  token: string;
  capture(callback: CapturedCallback): Promise<RestResponse>;
}

/** `…/interactions/{id}/{token}/callback` → id and token. */
const CALLBACK_PATH = /\/interactions\/([^/]+)\/([^/]+)\/callback$/;

/** Discord's answer to a callback it no longer expects, so discord.js reports it as it would a late one. */
function unknownInteraction(): RestResponse {
  return new Response(JSON.stringify({ message: 'Unknown interaction', code: 10062 }), {
    status: 404,
    headers: { 'content-type': 'application/json' },
  }) as unknown as RestResponse;
}

/** What discord.js put in the request: JSON text, or a multipart form when files go with the response. */
async function callbackBody(init: Parameters<MakeRequest>[1]): Promise<CapturedCallback> {
  const body: unknown = init.body;
  if (typeof body === 'string') return { body: Buffer.from(body), contentType: 'application/json' };
  // FormData (or bytes): let the WHATWG Response encode it and name its multipart boundary.
  const encoded = new Response(body as ConstructorParameters<typeof Response>[0]);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type') ?? 'application/octet-stream',
  };
}

/** Builds the capture; `send` is the REST's usual way out (its default strategy, through the adapter's agent). */
export function createCallbackCapture(send: MakeRequest = DefaultRestOptions.makeRequest): CallbackCapture {
  const waiting = new Map<string, Waiting>();

  const makeRequest: MakeRequest = async (url, init) => {
    const match = CALLBACK_PATH.exec(new URL(url).pathname);
    const entry = match ? waiting.get(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!match || !entry || entry.token !== decodeURIComponent(match[2] ?? '')) return send(url, init);
    waiting.delete(decodeURIComponent(match[1] ?? ''));
    return entry.capture(await callbackBody(init));
  };

  return {
    makeRequest,
    expect(id, token) {
      let deliver: (callback: CapturedCallback) => void = () => {};
      const callback = new Promise<CapturedCallback>((resolve) => {
        deliver = resolve;
      });
      let answer: ((delivered: boolean) => void) | undefined;
      const answered = new Promise<boolean>((resolve) => {
        answer = resolve;
      });
      waiting.set(id, {
        token,
        async capture(captured) {
          deliver(captured);
          // discord.js goes on (edits, follow-ups) only once Discord has the answer, as with a real callback.
          return (await answered)
            ? (new Response(null, { status: 204 }) as unknown as RestResponse)
            : unknownInteraction();
        },
      });
      return {
        callback,
        settle: (delivered) => answer?.(delivered),
        cancel: () => {
          if (waiting.get(id)?.token === token) waiting.delete(id);
        },
      };
    },
  };
}
