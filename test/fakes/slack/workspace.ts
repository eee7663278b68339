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

/** How the fake workspace looks at start. Every field has a default (see `DEFAULT_USERS`, `DEFAULT_CHANNELS`). */
export interface FakeSlackOptions {
  teamId?: string;
  enterpriseId?: string;
  botUserId?: string;
  botToken?: string;
  users?: Record<string, FakeUserSpec>;
  channels?: Record<string, FakeChannelSpec>;
}

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
  /** `http://127.0.0.1:PORT`, set by the server once it listens; upload URLs point here. */
  baseUrl = '';
  readonly users = new Map<string, Required<FakeUserSpec>>();
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
    for (const [id, spec] of Object.entries(options.users ?? DEFAULT_USERS)) {
      this.users.set(id, {
        isAdmin: spec.isAdmin ?? false,
        isOwner: spec.isOwner ?? false,
        name: spec.name ?? id.toLowerCase(),
      });
    }
    for (const [id, spec] of Object.entries(options.channels ?? DEFAULT_CHANNELS)) {
      const isIm = spec.isIm ?? false;
      this.channels.set(id, { id, isIm, isPrivate: spec.isPrivate ?? isIm, isMember: spec.isMember ?? isIm });
    }
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
