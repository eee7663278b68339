/**
 * The fake's side of Slack OAuth v2: the approval page a person sees (`GET /oauth/v2/authorize`, with a real
 * `Allow` link a headless browser can click), the redirect back to the app with a one-time code, and
 * `oauth.v2.access`, which checks the app's credentials and the code and hands out a per-workspace bot token.
 * With token rotation on, that token expires and comes with a refresh token, which `oauth.v2.access` with
 * `grant_type=refresh_token` trades for a new pair.
 * https://docs.slack.dev/authentication/installing-with-oauth
 * https://docs.slack.dev/authentication/using-token-rotation
 */
import { randomBytes } from 'node:crypto';
import type { MethodArgs, MethodResult } from './methods.js';
import type { FakeOAuthApp, SlackState } from './workspace.js';

/** An approval waiting for its code to be exchanged. */
interface PendingGrant {
  teamId: string;
  clientId: string;
  redirectUri: string | undefined;
  scope: string;
}

/** An approval page request waiting for the person to press Allow. */
interface AuthorizeRequest {
  clientId: string;
  scope: string;
  state: string | undefined;
  redirectUri: string;
}

/** What the HTTP layer answers for a page request. */
export type PageAnswer =
  | { status: 200; html: string }
  | { status: 302; location: string }
  | { status: 400; text: string };

/** The OAuth side of one fake. */
export class FakeOAuth {
  /** The workspace whose person presses Allow next; the fake's first workspace unless set. */
  approvingTeam: string;
  /** Codes exchanged successfully, oldest first, with the workspace each installed. */
  readonly installs: { teamId: string; scope: string }[] = [];
  /** Refresh tokens traded for a new pair, oldest first, by workspace. */
  readonly refreshes: { teamId: string }[] = [];
  private readonly requests = new Map<string, AuthorizeRequest>();
  private readonly grants = new Map<string, PendingGrant>();

  constructor(
    private readonly state: SlackState,
    private readonly app: FakeOAuthApp | undefined,
  ) {
    this.approvingTeam = state.teamId;
  }

  /** `GET /oauth/v2/authorize?client_id&scope&state&redirect_uri`: the page with the `Allow` link. */
  authorizePage(query: URLSearchParams): PageAnswer {
    const clientId = query.get('client_id') ?? '';
    if (!this.app || clientId !== this.app.clientId) return { status: 400, text: 'invalid_client_id' };
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri) return { status: 400, text: 'the fake needs redirect_uri (set PUBLIC_URL)' };
    const id = randomBytes(8).toString('hex');
    this.requests.set(id, {
      clientId,
      scope: query.get('scope') ?? '',
      state: query.get('state') ?? undefined,
      redirectUri,
    });
    const team = this.state.teams.get(this.approvingTeam);
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Install app</title></head><body>
<h1>Skidio is requesting permission to access ${escapeHtml(team?.name ?? this.approvingTeam)}</h1>
<p>Scopes: ${escapeHtml(query.get('scope') ?? '')}</p>
<a id="allow" href="/oauth/v2/approve?request=${id}">Allow</a>
</body></html>`;
    return { status: 200, html };
  }

  /** `GET /oauth/v2/approve?request=…`: the person pressed Allow; back to the app with a code. */
  approve(query: URLSearchParams): PageAnswer {
    const request = this.requests.get(query.get('request') ?? '');
    if (!request) return { status: 400, text: 'unknown approval request' };
    this.requests.delete(query.get('request') ?? '');
    const code = `code-${randomBytes(12).toString('hex')}`;
    this.grants.set(code, {
      teamId: this.approvingTeam,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      scope: request.scope,
    });
    const back = new URL(request.redirectUri);
    back.searchParams.set('code', code);
    if (request.state !== undefined) back.searchParams.set('state', request.state);
    return { status: 302, location: back.toString() };
  }

  /** `oauth.v2.access`: the code for a bot token of the workspace that approved. */
  access(args: MethodArgs, basicAuth: { id: string; secret: string } | undefined): MethodResult {
    const clientId = basicAuth?.id ?? String(args.client_id ?? '');
    const clientSecret = basicAuth?.secret ?? String(args.client_secret ?? '');
    if (!this.app || clientId !== this.app.clientId) return { ok: false, error: 'invalid_client_id' };
    if (clientSecret !== this.app.clientSecret) return { ok: false, error: 'bad_client_secret' };
    if (args.grant_type === 'refresh_token') return this.refresh(String(args.refresh_token ?? ''));
    const code = String(args.code ?? '');
    const grant = this.grants.get(code);
    if (!grant || grant.clientId !== clientId) return { ok: false, error: 'invalid_code' };
    // Slack requires the same redirect_uri as the authorize step when one was given there.
    if (args.redirect_uri !== undefined && args.redirect_uri !== grant.redirectUri)
      return { ok: false, error: 'bad_redirect_uri' };
    this.grants.delete(code);
    this.installs.push({ teamId: grant.teamId, scope: grant.scope });
    return this.grantFor(grant.teamId, grant.scope);
  }

  /** `grant_type=refresh_token`: a refresh token is good once; it buys a new access token and refresh token. */
  private refresh(refreshToken: string): MethodResult {
    const grant = this.state.refreshTokens.get(refreshToken);
    if (!this.state.tokenRotation || !grant || grant.used)
      return { ok: false, error: 'invalid_refresh_token' };
    grant.used = true;
    this.refreshes.push({ teamId: grant.teamId });
    return this.grantFor(grant.teamId, grant.scope);
  }

  /** What `oauth.v2.access` answers for a workspace's bot, with a refresh token when rotation is on. */
  private grantFor(teamId: string, scope: string): MethodResult {
    const team = this.state.teams.get(teamId);
    const rotation = this.state.tokenRotation;
    return {
      ok: true,
      access_token: this.state.issueToken(teamId),
      token_type: 'bot',
      scope,
      bot_user_id: team?.botUserId ?? this.state.botUserId,
      app_id: 'A0000001',
      team: { id: teamId, name: team?.name ?? teamId },
      enterprise: team?.enterpriseId === undefined ? null : { id: team.enterpriseId },
      authed_user: { id: `U_INSTALLER_${teamId}` },
      is_enterprise_install: false,
      ...(rotation
        ? { refresh_token: this.state.issueRefreshToken(teamId, scope), expires_in: rotation.expiresInS }
        : {}),
    };
  }
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
