import { EventEmitter, once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { guildCreatePayload } from './guilds.js';
import { randomSessionId } from './ids.js';
import type { FakeState } from './state.js';

/** Gateway opcodes used here (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/**
 * A gateway session. It outlives its socket so that a client can RESUME it: events dispatched
 * while it is detached are kept in `backlog` and replayed, as Discord does.
 */
interface Session {
  id: string;
  seq: number;
  socket: WebSocket | null;
  backlog: { seq: number; frame: string }[];
}

function send(socket: WebSocket, payload: unknown): Promise<void> {
  if (socket.readyState !== WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => {
    // A failed write means the socket is closing; the close handler detaches the session.
    socket.send(JSON.stringify(payload), () => resolve());
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The WebSocket gateway: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME, dispatches. */
export class FakeGateway {
  /** Counters a reconnect test can assert on. */
  readonly stats = { identifies: 0, resumes: 0 };
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly sessionOf = new WeakMap<WebSocket, Session>();
  /** Emits 'change' whenever a session attaches or detaches, for `waitForConnections`. */
  private readonly changes = new EventEmitter();

  constructor(
    private readonly state: FakeState,
    private readonly url: string,
    private readonly heartbeatIntervalMs: number,
  ) {
    this.changes.setMaxListeners(0);
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Takes over an HTTP upgrade request (any path: discord.js connects to `${url}?v=10&encoding=json`). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.server.emit('connection', ws, request));
  }

  /** Sessions with an open, identified (or resumed) socket. */
  get connections(): number {
    let live = 0;
    for (const session of this.sessions.values()) if (session.socket) live += 1;
    return live;
  }

  /** Resolves once at least `count` sessions are live; rejects after `timeoutMs`. */
  async waitForConnections(count: number, timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.connections < count) {
      try {
        await once(this.changes, 'change', { signal });
      } catch {
        throw new Error(`fake Discord: ${this.connections} gateway session(s) live, wanted ${count}`);
      }
    }
  }

  /**
   * Sends a dispatch event to every session; resolves once written to the live sockets. Waits
   * (up to `timeoutMs`) for a live session first, so a test may dispatch right after
   * `dropConnections()` while the client is still reconnecting.
   */
  async dispatch(type: string, data: unknown, timeoutMs: number): Promise<void> {
    await this.waitForConnections(1, timeoutMs);
    const writes: Promise<void>[] = [];
    for (const session of this.sessions.values()) writes.push(this.sendEvent(session, type, data));
    await Promise.all(writes);
  }

  /**
   * Closes every socket with `code`. With the default 4000 the client resumes its session; with
   * 1000 or 1001 the session ends (as on Discord) and the client identifies again.
   */
  drop(code: number): void {
    for (const socket of this.server.clients) {
      this.detach(socket, code);
      socket.close(code, 'fake Discord dropped the connection');
    }
  }

  /** Terminates every socket and stops accepting new ones. */
  async close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    socket.on('message', (raw, isBinary) => void this.onMessage(socket, raw, isBinary));
    socket.on('close', (code) => this.detach(socket, code));
    // A socket error is followed by 'close'; the listener only keeps it from being unhandled.
    socket.on('error', () => {});
    void send(socket, {
      op: Op.Hello,
      d: { heartbeat_interval: this.heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  private detach(socket: WebSocket, code: number): void {
    const session = this.sessionOf.get(socket);
    if (!session || session.socket !== socket) return;
    session.socket = null;
    // Closing with 1000/1001 invalidates the session on Discord; other codes leave it resumable.
    if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    this.changes.emit('change');
  }

  private async onMessage(socket: WebSocket, raw: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      socket.close(4002, 'Decode error');
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString());
    } catch {
      socket.close(4002, 'Decode error');
      return;
    }
    switch (field(payload, 'op')) {
      case Op.Heartbeat:
        await send(socket, { op: Op.HeartbeatAck });
        return;
      case Op.Identify:
        await this.identify(socket, field(payload, 'd'));
        return;
      case Op.Resume:
        await this.resume(socket, field(payload, 'd'));
        return;
      default:
        // Presence updates, member requests, voice: not simulated.
        return;
    }
  }

  private async identify(socket: WebSocket, data: unknown): Promise<void> {
    if (this.sessionOf.has(socket)) {
      socket.close(4005, 'Already authenticated');
      return;
    }
    // The token is only checked for presence, and never kept: it must not reach test output.
    const token = field(data, 'token');
    if (typeof token !== 'string' || token === '') {
      socket.close(4004, 'Authentication failed');
      return;
    }
    const session: Session = { id: randomSessionId(), seq: 0, socket, backlog: [] };
    this.sessions.set(session.id, session);
    this.sessionOf.set(socket, session);
    this.stats.identifies += 1;
    const { state } = this;
    // The handshake frames are written in one synchronous run (awaited together at the end) so
    // that no concurrent dispatch can slip in between READY and the GUILD_CREATEs.
    const writes = [
      // READY needs `user`, `guilds` and `application`, or discord.js never settles login().
      this.sendEvent(session, 'READY', {
        v: 10,
        user: { ...state.bot, bot: true, verified: true, mfa_enabled: false, flags: 0 },
        guilds: state.guilds.map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: session.id,
        session_type: 'normal',
        resume_gateway_url: this.url,
        shard: field(data, 'shard') ?? [0, 1],
        application: { id: state.applicationId, flags: 0 },
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        user_settings: {},
        auth: {},
      }),
      // Every guild announced in READY must arrive, or the client waits `waitGuildTimeout` (15 s).
      ...state.guilds.map((guild) =>
        this.sendEvent(session, 'GUILD_CREATE', guildCreatePayload(guild, state.bot)),
      ),
    ];
    this.changes.emit('change');
    await Promise.all(writes);
  }

  private async resume(socket: WebSocket, data: unknown): Promise<void> {
    const session = this.sessions.get(String(field(data, 'session_id')));
    if (!session || session.socket !== null) {
      // d: false tells the client to start over with IDENTIFY.
      await send(socket, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    session.socket = socket;
    this.sessionOf.set(socket, session);
    this.stats.resumes += 1;
    const after = typeof field(data, 'seq') === 'number' ? (field(data, 'seq') as number) : 0;
    // Replay what the client missed, then RESUMED, in one synchronous run (see identify).
    const writes = session.backlog
      .filter((entry) => entry.seq > after)
      .map((entry) => new Promise<void>((resolve) => socket.send(entry.frame, () => resolve())));
    writes.push(this.sendEvent(session, 'RESUMED', {}));
    this.changes.emit('change');
    await Promise.all(writes);
  }

  /** Numbers an event in its session, keeps it for replay, and writes it if the session is live. */
  private sendEvent(session: Session, type: string, data: unknown): Promise<void> {
    session.seq += 1;
    const frame = JSON.stringify({ op: Op.Dispatch, t: type, s: session.seq, d: data });
    session.backlog.push({ seq: session.seq, frame });
    const { socket } = session;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => socket.send(frame, () => resolve()));
  }
}
