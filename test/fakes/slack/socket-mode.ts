/**
 * Socket Mode in front of the fake Slack: `apps.connections.open` (checked against the app token) hands out a
 * loopback WebSocket that says hello and carries envelopes; every other Web API call is passed on to the fake
 * Slack, so its recordings still hold. https://docs.slack.dev/apis/events-api/using-socket-mode
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './server.js';

/** An envelope the app acknowledged, with the payload it answered. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

/** A running Socket Mode front. */
export interface FakeSocketMode {
  /** The Web API base for the app (`SLACK_API_URL`). */
  apiUrl: string;
  /** Resolves when the app has an open WebSocket. */
  connected(): Promise<void>;
  /** Sends a slash command envelope and resolves with the app's ack. */
  slashCommand(payload: Record<string, string>): Promise<SocketAck>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the front on an ephemeral port. */
export async function startFakeSocketMode(fake: FakeSlack, appToken: string): Promise<FakeSocketMode> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const path = request.url ?? '/';
      if (path === '/api/apps.connections.open') {
        const ok = request.headers.authorization === `Bearer ${appToken}`;
        const { port } = server.address() as AddressInfo;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(ok ? { ok, url: `ws://127.0.0.1:${port}/link` } : { ok, error: 'invalid_auth' }),
        );
        return;
      }
      const forwarded = await fetch(`${fake.baseUrl}${path}`, {
        method: request.method ?? 'POST',
        // Only what the fake reads; hop-by-hop headers (content-length, connection) must not be copied.
        headers: {
          'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded',
          authorization: request.headers.authorization ?? '',
        },
        ...(body.length > 0 ? { body } : {}),
      });
      response.writeHead(forwarded.status, {
        'content-type': forwarded.headers.get('content-type') ?? 'text/plain',
      });
      response.end(Buffer.from(await forwarded.arrayBuffer()));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  const sockets = new WebSocketServer({ server });
  let socket: WebSocket | undefined;
  const opened = new Promise<void>((resolve) => {
    sockets.on('connection', (connection) => {
      socket = connection;
      connection.send(
        JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0000001' } }),
      );
      resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let envelopes = 0;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    connected: () => opened,
    async slashCommand(payload) {
      await opened;
      const open = socket;
      if (!open) throw new Error('no Socket Mode connection');
      envelopes += 1;
      const envelopeId = `envelope-${envelopes}`;
      const acked = new Promise<SocketAck>((resolve) => {
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString('utf8')) as SocketAck;
          if (message.envelope_id !== envelopeId) return;
          open.off('message', onMessage);
          resolve(message);
        };
        open.on('message', onMessage);
      });
      open.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type: 'slash_commands',
          accepts_response_payload: true,
          payload,
        }),
      );
      return acked;
    },
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
