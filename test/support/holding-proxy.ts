/**
 * A loopback HTTP proxy in front of a fake platform that can hold one request until the test lets it go:
 * a post "in flight" for as long as the test needs it to be, without touching the fake.
 */
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request being held (or, with `answered`, its answer). */
export interface HeldRequest {
  /** Resolves when the request (or, with `answered`, the target's answer) has arrived and is being held. */
  arrived: Promise<void>;
  /** Lets it (or its answer) go on. */
  release(): void;
}

/** The running proxy. */
export interface HoldingProxy {
  /** `http://127.0.0.1:PORT`: the same paths as the target. */
  readonly url: string;
  /**
   * Holds the next request whose path ends with `suffix`; with `answered`, forwards it at once and holds the
   * target's answer instead (the target acted on it, the caller does not know yet).
   */
  hold(suffix: string, options?: { answered?: boolean }): HeldRequest;
  close(): Promise<void>;
}

async function readAll(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy that forwards everything to `target` (an origin such as `http://127.0.0.1:1234`). */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const holds: { suffix: string; answered: boolean; arrive: () => void; released: Promise<void> }[] = [];
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readAll(incoming);
      const path = incoming.url ?? '/';
      const index = holds.findIndex((hold) => path.split('?')[0]?.endsWith(hold.suffix));
      const hold = holds[index];
      if (hold) holds.splice(index, 1);
      if (hold && !hold.answered) {
        hold.arrive();
        await hold.released;
      }
      // The body was read whole: it goes on with a length, not in chunks.
      const { 'transfer-encoding': _chunked, ...headers } = incoming.headers;
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path,
          headers: { ...headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (answer) => {
          void (async () => {
            if (hold?.answered) {
              hold.arrive();
              await hold.released;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          })();
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
    })().catch(() => outgoing.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold(suffix, options = {}) {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push({ suffix, answered: options.answered ?? false, arrive, released });
      return { arrived, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
