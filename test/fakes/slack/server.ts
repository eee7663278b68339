/**
 * A loopback stand-in for slack.com: the Web API under `/api/<method>`, file upload URLs under
 * `/upload/<fileId>` and response URLs under `/response/<id>`. It records every request so a test can
 * assert on what the real Bolt and @slack/web-api sent, and it can be told to fail the next calls.
 */

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseApiArgs, parseLooseJson, parseUploadBody, readBody } from './bodies.js';
import { EventLog } from './event-log.js';
import { callMethod, concernedTeam, type MethodResult } from './methods.js';
import { FakeOAuth } from './oauth.js';
import {
  type FakeEphemeral,
  type FakeMessage,
  type FakeOpenedView,
  type FakeSharedFile,
  type FakeSlackOptions,
  type FakeUpload,
  SlackState,
} from './workspace.js';

/**
 * Whether a call carried a bot token the fake accepts; `expired`: a rotating token past its expiry, refused
 * with `token_expired`. The token itself is never recorded.
 */
export type AuthorizationState = 'present' | 'missing' | 'wrong' | 'expired';

/** One Web API call as the fake received and answered it. */
export interface RecordedCall {
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** Decoded arguments, JSON-string fields (`files`, `blocks`, `view`...) parsed; without `token`. */
  args: Record<string, unknown>;
  authorization: AuthorizationState;
  /** What the fake answered: `ok`, and the error code when not ok. */
  ok: boolean;
  error?: string;
}

/** One post to a `responseUrl(id)`. */
export interface ResponseUrlPost {
  id: string;
  /** The JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** False once the URL was used up (Slack allows 5 posts per response_url) or a failure was injected. */
  accepted: boolean;
}

/**
 * A failure to answer instead of the real result. `status` defaults to 429 when `retryAfterSeconds` is set,
 * else 200 for Web API methods (Slack reports errors in a 200 body) and 500 for the upload and response URLs.
 */
export interface InjectedFailure {
  error?: string;
  status?: number;
  retryAfterSeconds?: number;
}

/** `failNext` target for the upload URL, which is not a Web API method. */
export const UPLOAD_URL = 'upload';
/** `failNext` target for response URLs, which are not Web API methods. */
export const RESPONSE_URL = 'response_url';

/** Slack lets an app post to one response_url at most 5 times. */
const RESPONSE_URL_MAX_POSTS = 5;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A running fake Slack. Create it with `startFakeSlack()`; `close()` it after the test. */
export class FakeSlack {
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** The Web API base to give Bolt as `clientOptions.slackApiUrl` (ends with `/api/`). */
  readonly apiUrl: string;
  /** Every Web API call, oldest first. */
  readonly calls: readonly RecordedCall[];
  /** Bytes received at upload URLs, oldest first. */
  readonly uploads: readonly FakeUpload[];
  /** Posts to response URLs made by `responseUrl()`, oldest first. */
  readonly responseUrlPosts: readonly ResponseUrlPost[];

  private readonly callLog = new EventLog<RecordedCall>();
  private readonly uploadLog = new EventLog<FakeUpload>();
  private readonly responseLog = new EventLog<ResponseUrlPost>();
  private readonly failures = new Map<string, { response: InjectedFailure; remaining: number }[]>();
  private readonly oauth: FakeOAuth;
  private mismatches = 0;

  /** Use `startFakeSlack()`, which also starts listening. */
  constructor(
    private readonly server: Server,
    private readonly state: SlackState,
  ) {
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
    state.baseUrl = this.baseUrl;
    this.oauth = new FakeOAuth(state, state.oauthApp);
    this.calls = this.callLog.items;
    this.uploads = this.uploadLog.items;
    this.responseUrlPosts = this.responseLog.items;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.route(req, res).catch((error: unknown) => {
        // A bug in the fake must fail the test visibly, not leave the client waiting.
        if (!res.headersSent) res.writeHead(error instanceof HttpFailure ? error.status : 500);
        res.end(error instanceof Error ? error.message : String(error));
      });
    });
  }

  /** The workspace id (`team_id`) the fake answers with. */
  get teamId(): string {
    return this.state.teamId;
  }

  /** The bot's user id, as `auth.test` reports it. */
  get botUserId(): string {
    return this.state.botUserId;
  }

  /** The only token the fake accepts. */
  get botToken(): string {
    return this.state.botToken;
  }

  /**
   * Calls whose token belongs to another workspace than the conversation or person they concern; each was
   * refused as Slack refuses it (`channel_not_found`, `user_not_found`).
   */
  get tokenMismatches(): number {
    return this.mismatches;
  }

  /** `http://127.0.0.1:PORT/oauth/v2/authorize`: give it to the bot as SLACK_AUTHORIZE_URL. */
  get authorizeUrl(): string {
    return `${this.baseUrl}/oauth/v2/authorize`;
  }

  /** The workspace whose person presses Allow on the approval page next (default: the first workspace). */
  approveAs(teamId: string): void {
    if (!this.state.teams.has(teamId)) throw new Error(`fake Slack: no workspace ${teamId}`);
    this.oauth.approvingTeam = teamId;
  }

  /** Installs completed through `oauth.v2.access`, oldest first. */
  get installs(): readonly { teamId: string; scope: string }[] {
    return this.oauth.installs;
  }

  /** Refresh tokens traded for new tokens (token rotation), oldest first. */
  get refreshes(): readonly { teamId: string }[] {
    return this.oauth.refreshes;
  }

  /** Calls made with an access token past its expiry (each refused with `token_expired`). */
  get expiredTokenUses(): number {
    return this.calls.filter((call) => call.authorization === 'expired').length;
  }

  /** Every refresh token ever issued to `teamId`, used up or not. */
  refreshTokensOf(teamId: string): string[] {
    return [...this.state.refreshTokens]
      .filter(([, grant]) => grant.teamId === teamId)
      .map(([token]) => token);
  }

  /** Every access token `teamId` has expires now (token rotation): the next call with one gets `token_expired`. */
  expireTokens(teamId: string): void {
    this.state.expireTokens(teamId);
  }

  /**
   * The bot tokens `teamId` was given (the first workspace's `botToken`, and any `oauth.v2.access` issued),
   * expired ones included; revoked ones are gone.
   */
  tokensOf(teamId: string): string[] {
    return [...this.state.tokens].filter(([, team]) => team === teamId).map(([token]) => token);
  }

  /** Every bot token of `teamId` stops working (`token_revoked`), as when the workspace uninstalls the app. */
  revokeTokens(teamId: string): void {
    this.state.revokeTokens(teamId);
  }

  /** Modals opened with `views.open`, oldest first. */
  get views(): readonly FakeOpenedView[] {
    return this.state.views;
  }

  /** Messages the bot posted in `channelId`, in posting order, each in its latest edited state. */
  messages(channelId: string): FakeMessage[] {
    return this.state.messages.filter((message) => message.channel === channelId);
  }

  /** Ephemeral messages the bot posted in `channelId` with `chat.postEphemeral`. */
  ephemerals(channelId: string): FakeEphemeral[] {
    return this.state.ephemerals.filter((message) => message.channel === channelId);
  }

  /** Files shared in `channelId` by `files.completeUploadExternal`, with their initial comment. */
  files(channelId: string): FakeSharedFile[] {
    return this.state.sharedFiles.filter((file) => file.channel === channelId);
  }

  /**
   * The first call to `method` (matching `predicate`, if given), already recorded or still to come. On
   * timeout, rejects with an error that lists the methods recorded so far.
   */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedCall> {
    return this.callLog.waitFor(
      (call) => call.method === method && predicate(call),
      timeoutMs,
      () =>
        `fake Slack: no matching ${method} call within ${timeoutMs} ms; recorded: ${this.describeCalls()}`,
    );
  }

  /** The first post to `responseUrl(id)`, already recorded or still to come. */
  waitForResponseUrlPost(id: string, timeoutMs = 5000): Promise<ResponseUrlPost> {
    return this.responseLog.waitFor(
      (post) => post.id === id,
      timeoutMs,
      () => `fake Slack: no post to response URL ${id} within ${timeoutMs} ms`,
    );
  }

  /** The first upload of file `fileId` (any file if omitted), already received or still to come. */
  waitForUpload(fileId?: string, timeoutMs = 5000): Promise<FakeUpload> {
    return this.uploadLog.waitFor(
      (upload) => fileId === undefined || upload.fileId === fileId,
      timeoutMs,
      () => `fake Slack: no upload${fileId === undefined ? '' : ` of ${fileId}`} within ${timeoutMs} ms`,
    );
  }

  /**
   * Makes the next `times` requests to `target` fail with `response` instead of running: `target` is a
   * Web API method, `UPLOAD_URL` or `RESPONSE_URL`. Examples: `{ error: 'not_in_channel' }`,
   * `{ error: 'ratelimited', retryAfterSeconds: 1 }` (429 + Retry-After), `{ status: 500 }`. Failures queue
   * up in order; a call with a missing or wrong token gets its auth error and leaves the queue alone.
   */
  failNext(target: string, response: InjectedFailure, times = 1): void {
    const queue = this.failures.get(target) ?? [];
    queue.push({ response, remaining: times });
    this.failures.set(target, queue);
  }

  /** A response_url on this fake that records posts under `id`; pass it as a slash command's `response_url`. */
  responseUrl(id: string): string {
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  /** Stops listening, drops open connections and rejects pending waits. */
  async close(): Promise<void> {
    for (const log of [this.callLog, this.uploadLog, this.responseLog]) log.close('fake Slack closed');
    const closed = once(this.server, 'close');
    this.server.close();
    // Clients keep connections alive; without this, close() would wait for their idle timeout.
    this.server.closeAllConnections();
    await closed;
  }

  private describeCalls(): string {
    if (this.calls.length === 0) return '(none)';
    return this.calls.map((call) => (call.ok ? call.method : `${call.method} -> ${call.error}`)).join(', ');
  }

  private takeFailure(target: string): InjectedFailure | undefined {
    const queue = this.failures.get(target);
    const next = queue?.[0];
    if (queue === undefined || next === undefined) return undefined;
    next.remaining -= 1;
    if (next.remaining <= 0) queue.shift();
    return next.response;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (req.method === 'GET' && url.pathname.startsWith('/oauth/v2/')) return this.handleOAuthPage(res, url);
    const [, area = '', name = '', ...extra] = url.pathname.split('/');
    const raw = await readBody(req);
    if (req.method !== 'POST' && !(area === 'api' && req.method === 'GET'))
      throw new HttpFailure(405, 'POST only');
    if (name === '' || extra.length > 0) throw new HttpFailure(404, `no route for ${url.pathname}`);
    const id = decodeURIComponent(name);
    const contentType = req.headers['content-type'] ?? '';
    if (area === 'api') return this.handleApi(req, res, id, url, contentType, raw);
    if (area === 'upload') return this.handleUpload(res, id, contentType, raw);
    if (area === 'response') return this.handleResponseUrl(res, id, raw);
    throw new HttpFailure(404, `no route for ${url.pathname}`);
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    contentType: string,
    raw: Buffer,
  ): Promise<void> {
    // Slack also takes arguments in the query string; body fields win, as there.
    const { token, ...args } = {
      ...Object.fromEntries(url.searchParams),
      ...(await parseApiArgs(contentType, raw)),
    };
    if (method === 'oauth.v2.access') return this.handleOAuthAccess(req, res, args);
    const { authorization, teamId } = this.classifyAuthorization(req.headers.authorization, token);

    let status = 200;
    const headers: Record<string, string> = {};
    let result: MethodResult;
    const failure = authorization === 'present' ? this.takeFailure(method) : undefined;
    if (authorization !== 'present') {
      const errors = { missing: 'not_authed', wrong: 'invalid_auth', expired: 'token_expired' } as const;
      result = { ok: false, error: errors[authorization] };
    } else if (failure !== undefined) {
      status = failure.status ?? (failure.retryAfterSeconds === undefined ? 200 : 429);
      if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
      result = { ok: false, error: failure.error ?? (status === 429 ? 'ratelimited' : 'internal_error') };
    } else {
      const concerned = concernedTeam(this.state, args);
      if (concerned !== undefined && concerned !== teamId) {
        // Slack does not see another workspace's conversations or people with this token.
        this.mismatches += 1;
        result = {
          ok: false,
          error: 'channel' in args || 'channel_id' in args ? 'channel_not_found' : 'user_not_found',
        };
      } else {
        result = callMethod(this.state, method, args, { teamId: teamId ?? this.state.teamId });
      }
    }

    const call: RecordedCall = { method, args, authorization, ok: result.ok };
    if (typeof result.error === 'string') call.error = result.error;
    // Record before answering, so the client never sees an answer the test cannot see yet.
    this.callLog.push(call);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(result));
  }

  private classifyAuthorization(
    header: string | undefined,
    bodyToken: unknown,
  ): { authorization: AuthorizationState; teamId?: string } {
    // Slack accepts the token as a bearer header or as a `token` argument.
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : bodyToken;
    if (token === undefined || token === '') return { authorization: 'missing' };
    const teamId = typeof token === 'string' ? this.state.tokens.get(token) : undefined;
    if (teamId === undefined) return { authorization: 'wrong' };
    return this.state.isExpired(String(token))
      ? { authorization: 'expired' }
      : { authorization: 'present', teamId };
  }

  /** The approval page and its Allow link; see oauth.ts. */
  private handleOAuthPage(res: ServerResponse, url: URL): void {
    const page = url.pathname.slice('/oauth/v2/'.length);
    const answer =
      page === 'authorize'
        ? this.oauth.authorizePage(url.searchParams)
        : page === 'approve'
          ? this.oauth.approve(url.searchParams)
          : ({ status: 400, text: `no OAuth page ${page}` } as const);
    if (answer.status === 302) res.writeHead(302, { location: answer.location }).end();
    else if (answer.status === 200)
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(answer.html);
    else res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
  }

  /** `oauth.v2.access` needs no token: the app's credentials (form fields or Basic auth) and the code. */
  private handleOAuthAccess(req: IncomingMessage, res: ServerResponse, args: Record<string, unknown>): void {
    const header = req.headers.authorization;
    const basic = header?.startsWith('Basic ')
      ? Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':')
      : undefined;
    const result = this.oauth.access(
      args,
      basic ? { id: basic[0] ?? '', secret: basic.slice(1).join(':') } : undefined,
    );
    // The client secret and a refresh token are credentials: the record keeps only whether one was sent.
    const { client_secret: secret, refresh_token: refreshToken, ...shown } = args;
    const call: RecordedCall = {
      method: 'oauth.v2.access',
      args: {
        ...shown,
        client_secret: secret === undefined ? undefined : '[sent]',
        ...(refreshToken === undefined ? {} : { refresh_token: '[sent]' }),
      },
      authorization: 'missing',
      ok: result.ok,
    };
    if (typeof result.error === 'string') call.error = result.error;
    this.callLog.push(call);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(result));
  }

  private async handleUpload(
    res: ServerResponse,
    fileId: string,
    contentType: string,
    raw: Buffer,
  ): Promise<void> {
    const announced = this.state.announcedFiles.get(fileId);
    if (announced === undefined) throw new HttpFailure(404, `unknown file ${fileId}`);
    const failure = this.takeFailure(UPLOAD_URL);
    if (failure !== undefined) throw new HttpFailure(failure.status ?? 500, failure.error ?? 'upload failed');
    const bytes = await parseUploadBody(contentType, raw);
    this.uploadLog.push({ fileId, filename: announced.filename, declaredLength: announced.length, bytes });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`OK - ${bytes.length}`);
  }

  private handleResponseUrl(res: ServerResponse, id: string, raw: Buffer): void {
    const failure = this.takeFailure(RESPONSE_URL);
    const used = this.responseUrlPosts.filter((post) => post.id === id && post.accepted).length;
    const usedUp = used >= RESPONSE_URL_MAX_POSTS;
    const accepted = failure === undefined && !usedUp;
    this.responseLog.push({ id, body: parseLooseJson(raw), accepted });
    if (failure !== undefined) throw new HttpFailure(failure.status ?? 500, failure.error ?? 'failed');
    if (usedUp) throw new HttpFailure(404, 'used_url');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('ok');
  }
}

/** Starts a fake Slack on 127.0.0.1 with an ephemeral port. Start it before `new App()`, which calls auth.test. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new FakeSlack(server, new SlackState(options));
}
