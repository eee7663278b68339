import { randomBytes } from 'node:crypto';

/**
 * The fake workspace: who exists, which conversations the bot is in, and what it posted, uploaded and
 * opened. The Web API handlers in methods.ts read and change it; tests read it through FakeSlack.
 */

/** A workspace member, as `startFakeSlack({ users })` describes it. */
export interface FakeUserSpec {
  isAdmin?: boolean;
  isOwner?: boolean;
  name?: string;
}

/** A conversation, as `startFakeSlack({ channels })` describes it. `isMember` defaults to `isIm`. */
export interface FakeChannelSpec {
  isPrivate?: boolean;
  isMember?: boolean;
  isIm?: boolean;
}

/** Another workspace on the same fake, with its own people and conversations (ids unique across the fake). */
export interface FakeTeamSpec {
  name?: string;
  enterpriseId?: string;
  users?: Record<string, FakeUserSpec>;
  channels?: Record<string, FakeChannelSpec>;
}

/** The Slack app's OAuth credentials, which `oauth.v2.access` checks. */
export interface FakeOAuthApp {
  clientId: string;
  clientSecret: string;
}

/**
 * Slack's token rotation, on for every OAuth install of the fake: access tokens (`xoxe.xoxb-…`) expire after
 * `expiresInS`, and `oauth.v2.access` with `grant_type=refresh_token` trades a refresh token (`xoxe-1-…`, good
 * for one use) for a new pair. https://docs.slack.dev/authentication/using-token-rotation
 */
export interface FakeTokenRotation {
  expiresInS: number;
}

/**
 * How the fake looks at start. Every field has a default (see `DEFAULT_USERS`, `DEFAULT_CHANNELS`). The first
 * workspace (`teamId`) is described by the top-level fields and accepts `botToken`; `teams` adds others, whose
 * bot tokens only `oauth.v2.access` hands out.
 */
export interface FakeSlackOptions {
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  botUserId?: string;
  botToken?: string;
  users?: Record<string, FakeUserSpec>;
  channels?: Record<string, FakeChannelSpec>;
  teams?: Record<string, FakeTeamSpec>;
  oauth?: FakeOAuthApp;
  tokenRotation?: FakeTokenRotation;
}

/** A workspace of the fake. */
export interface TeamState {
  id: string;
  name: string;
  enterpriseId: string | undefined;
  botUserId: string;
}

/** A person, and the workspace they belong to. */
export type UserState = Required<FakeUserSpec> & { teamId: string };

/** The users a fake has unless `options.users` replaces them: one admin, one plain member. */
export const DEFAULT_USERS: Readonly<Record<string, FakeUserSpec>> = {
  U_ADMIN: { isAdmin: true, name: 'ada' },
  U_MEMBER: { name: 'max' },
};

/**
 * The channels a fake has unless `options.channels` replaces them: one the bot is in, one public channel it
 * can join, one private channel it cannot.
 */
export const DEFAULT_CHANNELS: Readonly<Record<string, FakeChannelSpec>> = {
  C_PUBLIC: { isMember: true },
  C_NOTJOINED: {},
  G_PRIVATE: { isPrivate: true },
};

/** A message the bot posted with `chat.postMessage`, in its latest state after any `chat.update`. */
export interface FakeMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  threadTs: string | undefined;
  /** How many times `chat.update` changed it. */
  edits: number;
}

/** A message only `user` sees, from `chat.postEphemeral`. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string | undefined;
  blocks: unknown;
}

/** A file shared into a channel by `files.completeUploadExternal`. */
export interface FakeSharedFile {
  id: string;
  title: string;
  name: string;
  channel: string;
  /** The ts of the message that carries the file; only `files.info` tells it to the app, as on Slack. */
  ts: string;
  initialComment: string | undefined;
  threadTs: string | undefined;
}

/** The bytes the app sent to an upload URL. */
export interface FakeUpload {
  fileId: string;
  filename: string;
  /** The `length` the app announced to `files.getUploadURLExternal`, to compare with `bytes.length`. */
  declaredLength: number;
  bytes: Buffer;
}

/** A modal the app opened with `views.open`. */
export interface FakeOpenedView {
  id: string;
  triggerId: string;
  view: Record<string, unknown>;
}

/** A conversation as the fake tracks it. */
export interface ChannelState {
  id: string;
  /** The workspace it belongs to: a token of another workspace cannot reach it. */
  teamId: string;
  isPrivate: boolean;
  isIm: boolean;
  isMember: boolean;
  /** The other party of an IM. */
  imUser?: string;
}

/** A file announced by `files.getUploadURLExternal`, waiting for its bytes and completion. */
export interface AnnouncedFile {
  id: string;
  filename: string;
  length: number;
}

/** The mutable world behind the fake: who exists, where the bot is, what it posted and uploaded. */
export class SlackState {
  readonly teamId: string;
  readonly enterpriseId: string | undefined;
  readonly botUserId: string;
  readonly botId = 'B0000001';
  readonly botToken: string;
  readonly oauthApp: FakeOAuthApp | undefined;
  readonly tokenRotation: FakeTokenRotation | undefined;
  /** `http://127.0.0.1:PORT`, set by the server once it listens; upload URLs point here. */
  baseUrl = '';
  readonly users = new Map<string, UserState>();
  readonly teams = new Map<string, TeamState>();
  /** Every bot token the fake accepts, and the workspace it belongs to. */
  readonly tokens = new Map<string, string>();
  /** When each rotating access token stops working (epoch ms); tokens without rotation never expire. */
  readonly tokenExpiresAtMs = new Map<string, number>();
  /** Every refresh token ever issued, its workspace and scope, and whether it was used up. */
  readonly refreshTokens = new Map<string, { teamId: string; scope: string; used: boolean }>();
  readonly channels = new Map<string, ChannelState>();
  readonly messages: FakeMessage[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly sharedFiles: FakeSharedFile[] = [];
  readonly views: FakeOpenedView[] = [];
  /** Files announced by `files.getUploadURLExternal`, by id: the upload route and completion look them up. */
  readonly announcedFiles = new Map<string, AnnouncedFile>();
  private readonly imByUser = new Map<string, string>();
  private sequence = 0;
  // Message timestamps only need to be unique and increasing; starting from the clock keeps them plausible.
  private readonly epochSeconds = Math.floor(Date.now() / 1000);

  constructor(options: FakeSlackOptions) {
    this.teamId = options.teamId ?? 'T0000001';
    this.enterpriseId = options.enterpriseId;
    this.botUserId = options.botUserId ?? 'UBOT0001';
    this.botToken = options.botToken ?? 'xoxb-fake-token';
    this.oauthApp = options.oauth;
    this.tokenRotation = options.tokenRotation;
    this.tokens.set(this.botToken, this.teamId);
    this.addTeam(this.teamId, {
      name: options.teamName ?? 'Fake Workspace',
      ...(options.enterpriseId === undefined ? {} : { enterpriseId: options.enterpriseId }),
      users: options.users ?? DEFAULT_USERS,
      channels: options.channels ?? DEFAULT_CHANNELS,
    });
    for (const [teamId, spec] of Object.entries(options.teams ?? {})) this.addTeam(teamId, spec);
  }

  private addTeam(teamId: string, spec: FakeTeamSpec): void {
    const botUserId = teamId === this.teamId ? this.botUserId : `UBOT${teamId.replace(/^T/, '')}`;
    this.teams.set(teamId, {
      id: teamId,
      name: spec.name ?? teamId,
      enterpriseId: spec.enterpriseId,
      botUserId,
    });
    for (const [id, user] of Object.entries(spec.users ?? {})) {
      if (this.users.has(id)) throw new Error(`fake Slack: user ${id} is in two workspaces`);
      this.users.set(id, {
        teamId,
        isAdmin: user.isAdmin ?? false,
        isOwner: user.isOwner ?? false,
        name: user.name ?? id.toLowerCase(),
      });
    }
    for (const [id, channel] of Object.entries(spec.channels ?? {})) {
      if (this.channels.has(id)) throw new Error(`fake Slack: channel ${id} is in two workspaces`);
      const isIm = channel.isIm ?? false;
      this.channels.set(id, {
        id,
        teamId,
        isIm,
        isPrivate: channel.isPrivate ?? isIm,
        isMember: channel.isMember ?? isIm,
      });
    }
  }

  /**
   * A new bot token for `teamId`, as `oauth.v2.access` hands out: `xoxb-<team>-<random>`, or with token
   * rotation `xoxe.xoxb-<team>-<random>`, which expires after `tokenRotation.expiresInS`.
   */
  issueToken(teamId: string): string {
    const rotating = this.tokenRotation !== undefined;
    const token = `${rotating ? 'xoxe.' : ''}xoxb-${teamId}-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, teamId);
    if (this.tokenRotation)
      this.tokenExpiresAtMs.set(token, Date.now() + this.tokenRotation.expiresInS * 1000);
    return token;
  }

  /** A new one-use refresh token for `teamId` (token rotation only). */
  issueRefreshToken(teamId: string, scope: string): string {
    const token = `xoxe-1-${randomBytes(16).toString('hex')}`;
    this.refreshTokens.set(token, { teamId, scope, used: false });
    return token;
  }

  /** True for a rotating access token past its expiry. */
  isExpired(token: string): boolean {
    const expiresAt = this.tokenExpiresAtMs.get(token);
    return expiresAt !== undefined && expiresAt <= Date.now();
  }

  /** Every rotating access token of `teamId` expires now; its refresh token still works. */
  expireTokens(teamId: string): void {
    for (const [token, team] of this.tokens)
      if (team === teamId && this.tokenExpiresAtMs.has(token))
        this.tokenExpiresAtMs.set(token, Date.now() - 1);
  }

  /** Every token of `teamId` stops working, as when the workspace uninstalls the app. */
  revokeTokens(teamId: string): void {
    for (const [token, team] of this.tokens) if (team === teamId) this.tokens.delete(token);
    for (const grant of this.refreshTokens.values()) if (grant.teamId === teamId) grant.used = true;
  }

  /** The workspace a conversation or a person (a user id as `channel` means their IM) belongs to. */
  teamOf(id: string): string | undefined {
    return this.channels.get(id)?.teamId ?? this.users.get(id)?.teamId;
  }

  /** A new id such as `F0000003`, unique within this fake. */
  nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${String(this.sequence).padStart(7, '0')}`;
  }

  /** A new, increasing message timestamp in Slack's `seconds.micros` format. */
  nextTs(): string {
    this.sequence += 1;
    return `${this.epochSeconds + this.sequence}.${String(this.sequence).padStart(6, '0')}`;
  }

  /** The IM between the bot and `userId`, created on first use; the same id every time, as on Slack. */
  openIm(userId: string): ChannelState {
    const known = this.imByUser.get(userId);
    const existing = known === undefined ? undefined : this.channels.get(known);
    if (existing !== undefined) return existing;
    const im: ChannelState = {
      id: this.nextId('D'),
      teamId: this.users.get(userId)?.teamId ?? this.teamId,
      isIm: true,
      isPrivate: true,
      isMember: true,
      imUser: userId,
    };
    this.channels.set(im.id, im);
    this.imByUser.set(userId, im.id);
    return im;
  }
}
