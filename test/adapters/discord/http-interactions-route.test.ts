import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackCapture } from '../../../src/adapters/discord/callback-capture.js';
import { createInteractionsRoute } from '../../../src/adapters/discord/http-interactions.js';
import { createSignatureCheck } from '../../../src/adapters/discord/signature.js';
import { createAckFirst } from '../../../src/core/ack-first.js';
import { createInteractionKeys, postSignedInteraction } from '../../fakes/discord/index.js';
import { createTestLogger } from '../../support/test-logger.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** The route alone on a loopback server, with a handler that does whatever `deliver` does. */
async function serveRoute(deliver: (payload: Record<string, unknown>) => void, ackDeadlineMs = 100) {
  const keys = createInteractionKeys();
  const capture = createCallbackCapture();
  const acks: number[] = [];
  const ackFirst = createAckFirst();
  const route = createInteractionsRoute({
    checkSignature: createSignatureCheck(keys.publicKeyHex, () => Date.now()),
    capture,
    deliver,
    isAccepting: () => true,
    logger: createTestLogger().logger,
    metrics: { observeAck: (_platform, ms) => acks.push(ms) },
    ackFirst,
    ackDeadlineMs,
  });
  server = createServer((request, response) => void route.handle(request, response));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`;
  return { keys, capture, acks, ackFirst, url };
}

const command = { id: '5000000000000000001', token: 'interaction-token', type: 2, data: {} };

describe('POST /discord/interactions', () => {
  it('defers privately itself when the handler does not acknowledge in time', async () => {
    const { keys, url, acks, ackFirst } = await serveRoute(() => {});
    const answer = await postSignedInteraction(url, keys, JSON.stringify(command));
    expect(answer).toMatchObject({ status: 200, json: { type: 5, data: { flags: 64 } } });
    expect(acks).toHaveLength(1);
    expect(ackFirst.waiting).toBe(0);
  });

  it('defers a button click as a message update when the handler is late', async () => {
    const { keys, url } = await serveRoute(() => {});
    const answer = await postSignedInteraction(url, keys, JSON.stringify({ ...command, type: 3 }));
    expect(answer).toMatchObject({ status: 200, json: { type: 6 } });
  });

  it("answers with the handler's first callback, and resolves the handler's call once the answer is sent", async () => {
    let settled: Promise<number> | undefined;
    const served = await serveRoute((payload) => {
      settled = served.capture
        .makeRequest(`http://discord.invalid/api/v10/interactions/${payload.id}/${payload.token}/callback`, {
          method: 'POST',
          body: JSON.stringify({ type: 4, data: { content: 'hello' } }),
        })
        .then((response) => response.status);
    }, 2000);
    const answer = await postSignedInteraction(served.url, served.keys, JSON.stringify(command));
    expect(answer).toMatchObject({ status: 200, json: { type: 4, data: { content: 'hello' } } });
    expect(await settled).toBe(204);
  });

  it('answers 503 before the adapter has started', async () => {
    const keys = createInteractionKeys();
    const route = createInteractionsRoute({
      checkSignature: createSignatureCheck(keys.publicKeyHex, () => Date.now()),
      capture: createCallbackCapture(),
      deliver: () => {},
      isAccepting: () => false,
      logger: createTestLogger().logger,
      metrics: { observeAck: () => {} },
      ackFirst: createAckFirst(),
    });
    server = createServer((request, response) => void route.handle(request, response));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`;
    expect((await postSignedInteraction(url, keys, JSON.stringify(command))).status).toBe(503);
  });
});
