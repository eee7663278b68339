/**
 * A loopback HTTP server that answers every request with 200 and a JSON content-length, then sends the body
 * one byte per interval and never finishes in time: a stalled upstream that still looks alive (bytes keep
 * flowing, so an idle timeout alone would never fire). It records, per connection, how many bytes it sent
 * before the client hung up.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answered request. */
export interface DripConnection {
  bytesSent: number;
  /** True once the client closed the connection before the body was complete. */
  abandoned: boolean;
}

/** The running server. */
export interface DripServer {
  readonly url: string;
  readonly connections: readonly DripConnection[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1; `intervalMs` between bytes (default 1 s), `length` declared bytes. */
export async function startDripServer(
  options: { intervalMs?: number; length?: number } = {},
): Promise<DripServer> {
  const intervalMs = options.intervalMs ?? 1_000;
  const body = Buffer.from(
    `{"id":"drip","status":"IN_PROGRESS","pad":"${' '.repeat(options.length ?? 1_000)}"}`,
  );
  const connections: DripConnection[] = [];
  const server = createServer((request, response) => {
    request.resume();
    const connection: DripConnection = { bytesSent: 0, abandoned: false };
    connections.push(connection);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
    const drip = () => {
      if (connection.bytesSent >= body.length) {
        response.end();
        return;
      }
      response.write(body.subarray(connection.bytesSent, connection.bytesSent + 1));
      connection.bytesSent += 1;
    };
    drip();
    const timer = setInterval(drip, intervalMs);
    response.on('close', () => {
      clearInterval(timer);
      if (connection.bytesSent < body.length) connection.abandoned = true;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
