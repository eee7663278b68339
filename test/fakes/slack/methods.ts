/**
 * The Web API methods the fake answers. Handlers are plain functions of (state, args) so the HTTP layer
 * stays free of Slack rules. They follow Slack's documented shapes and error codes closely enough that the
 * real @slack/web-api client and Bolt accept the answers.
 */

import type { ChannelState, FakeMessage, FakeOpenedView, FakeSharedFile, SlackState } from './workspace.js';

/** Decoded arguments of one Web API call (form fields, or a JSON body). */
export type MethodArgs = Record<string, unknown>;

/** What a method answers; serialized as the JSON body. */
export type MethodResult = { ok: boolean } & Record<string, unknown>;

/** Who called: the workspace of the token the call carried. */
export interface MethodCaller {
  teamId: string;
}

type MethodHandler = (state: SlackState, args: MethodArgs, caller: MethodCaller) => MethodResult;

const fail = (error: string): MethodResult => ({ ok: false, error });

/** A string argument; form bodies carry numbers as strings, JSON bodies may not. */
function stringArg(args: MethodArgs, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function channelJson(state: SlackState, channel: ChannelState): Record<string, unknown> {
  const base = {
    id: channel.id,
    created: 1_700_000_000,
    is_member: channel.isMember,
    context_team_id: state.teamId,
  };
  if (channel.isIm) return { ...base, is_im: true, is_private: true, user: channel.imUser ?? '' };
  return {
    ...base,
    name: channel.id.toLowerCase(),
    is_channel: !channel.isPrivate,
    is_group: channel.isPrivate,
    is_im: false,
    is_private: channel.isPrivate,
    is_archived: false,
  };
}

/**
 * Finds the target conversation of a write. Like Slack, a user id as `channel` means the bot's IM with
 * that user. Returns an error code when the bot may not write there.
 */
function writableChannel(state: SlackState, channelId: string | undefined): ChannelState | string {
  if (channelId === undefined || channelId === '') return 'channel_not_found';
  const channel = state.users.has(channelId) ? state.openIm(channelId) : state.channels.get(channelId);
  if (channel === undefined) return 'channel_not_found';
  if (!channel.isMember) return 'not_in_channel';
  return channel;
}

function messageJson(state: SlackState, message: FakeMessage): Record<string, unknown> {
  return {
    type: 'message',
    user: state.botUserId,
    bot_id: state.botId,
    ts: message.ts,
    text: message.text ?? '',
    ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
    ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
  };
}

function fileJson(state: SlackState, file: FakeSharedFile): Record<string, unknown> {
  const channel = state.channels.get(file.channel);
  // Slack files shares by visibility: public channels under `public`, private channels and IMs under `private`.
  const visibility = channel === undefined || channel.isPrivate ? 'private' : 'public';
  const share = {
    ts: file.ts,
    channel_name: file.channel.toLowerCase(),
    team_id: state.teamId,
    share_user_id: state.botUserId,
    ...(file.threadTs === undefined ? {} : { thread_ts: file.threadTs }),
  };
  const announced = state.announcedFiles.get(file.id);
  return {
    id: file.id,
    name: file.name,
    title: file.title,
    size: announced?.length ?? 0,
    user: state.botUserId,
    channels: visibility === 'public' ? [file.channel] : [],
    groups: visibility === 'private' ? [file.channel] : [],
    shares: { [visibility]: { [file.channel]: [share] } },
    ...(file.initialComment === undefined ? {} : { initial_comment: { comment: file.initialComment } }),
  };
}

const authTest: MethodHandler = (state, _args, caller) => {
  const team = state.teams.get(caller.teamId);
  return {
    ok: true,
    url: 'https://fake-workspace.slack.com/',
    team: team?.name ?? 'Fake Workspace',
    user: 'skidio',
    team_id: caller.teamId,
    user_id: team?.botUserId ?? state.botUserId,
    bot_id: state.botId,
    ...(team?.enterpriseId === undefined ? {} : { enterprise_id: team.enterpriseId }),
    is_enterprise_install: false,
  };
};

const chatPostMessage: MethodHandler = (state, args) => {
  const channel = writableChannel(state, stringArg(args, 'channel'));
  if (typeof channel === 'string') return fail(channel);
  const text = stringArg(args, 'text');
  if (text === undefined && args.blocks === undefined && args.attachments === undefined)
    return fail('no_text');
  const message: FakeMessage = {
    channel: channel.id,
    ts: state.nextTs(),
    text,
    blocks: args.blocks,
    threadTs: stringArg(args, 'thread_ts'),
    edits: 0,
  };
  state.messages.push(message);
  return { ok: true, channel: channel.id, ts: message.ts, message: messageJson(state, message) };
};

const chatUpdate: MethodHandler = (state, args) => {
  const channelId = stringArg(args, 'channel');
  const ts = stringArg(args, 'ts');
  const message = state.messages.find((m) => m.channel === channelId && m.ts === ts);
  if (message === undefined) return fail('message_not_found');
  const text = stringArg(args, 'text');
  if (text !== undefined) message.text = text;
  if (args.blocks !== undefined) message.blocks = args.blocks;
  message.edits += 1;
  return {
    ok: true,
    channel: message.channel,
    ts: message.ts,
    text: message.text ?? '',
    message: messageJson(state, message),
  };
};

/** Deletes one of the bot's messages (https://docs.slack.dev/reference/methods/chat.delete). */
const chatDelete: MethodHandler = (state, args) => {
  const channelId = stringArg(args, 'channel');
  const ts = stringArg(args, 'ts');
  const index = state.messages.findIndex((m) => m.channel === channelId && m.ts === ts);
  if (index < 0) return fail('message_not_found');
  state.messages.splice(index, 1);
  return { ok: true, channel: channelId, ts };
};

/** Deletes a file the bot shared, from every conversation (https://docs.slack.dev/reference/methods/files.delete). */
const filesDelete: MethodHandler = (state, args) => {
  const id = stringArg(args, 'file');
  const before = state.sharedFiles.length;
  for (let index = state.sharedFiles.length - 1; index >= 0; index--) {
    if (state.sharedFiles[index]?.id === id) state.sharedFiles.splice(index, 1);
  }
  return state.sharedFiles.length < before ? { ok: true } : fail('file_not_found');
};

const chatPostEphemeral: MethodHandler = (state, args) => {
  const channel = writableChannel(state, stringArg(args, 'channel'));
  if (typeof channel === 'string') return fail(channel);
  const user = stringArg(args, 'user');
  if (user === undefined || !state.users.has(user)) return fail('user_not_found');
  state.ephemerals.push({ channel: channel.id, user, text: stringArg(args, 'text'), blocks: args.blocks });
  return { ok: true, message_ts: state.nextTs() };
};

const conversationsJoin: MethodHandler = (state, args) => {
  const channel = state.channels.get(stringArg(args, 'channel') ?? '');
  if (channel === undefined) return fail('channel_not_found');
  // Bots cannot join private channels or IMs themselves: someone has to invite them.
  if (channel.isPrivate || channel.isIm) return fail('method_not_supported_for_channel_type');
  const wasMember = channel.isMember;
  channel.isMember = true;
  return {
    ok: true,
    channel: channelJson(state, channel),
    ...(wasMember
      ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } }
      : {}),
  };
};

const conversationsOpen: MethodHandler = (state, args) => {
  const existing = stringArg(args, 'channel');
  if (existing !== undefined) {
    const channel = state.channels.get(existing);
    return channel === undefined
      ? fail('channel_not_found')
      : { ok: true, channel: channelJson(state, channel) };
  }
  const users = (stringArg(args, 'users') ?? '').split(',').filter((id) => id !== '');
  const [user] = users;
  if (user === undefined) return fail('users_list_not_supplied');
  // Group DMs are out of scope for this bot; say so loudly rather than pretend.
  if (users.length > 1) return fail('fake_slack_does_not_support_group_dms');
  if (!state.users.has(user)) return fail('user_not_found');
  const im = state.openIm(user);
  const full = stringArg(args, 'return_im') === 'true';
  return { ok: true, channel: full ? channelJson(state, im) : { id: im.id } };
};

const conversationsInfo: MethodHandler = (state, args) => {
  const channel = state.channels.get(stringArg(args, 'channel') ?? '');
  return channel === undefined
    ? fail('channel_not_found')
    : { ok: true, channel: channelJson(state, channel) };
};

const usersInfo: MethodHandler = (state, args) => {
  const id = stringArg(args, 'user') ?? '';
  if (id === state.botUserId) {
    const profile = { real_name: 'Skidio', display_name: 'skidio' };
    return {
      ok: true,
      user: { id, team_id: state.teamId, name: 'skidio', real_name: 'Skidio', is_bot: true, profile },
    };
  }
  const user = state.users.get(id);
  if (user === undefined) return fail('user_not_found');
  const realName = user.name.charAt(0).toUpperCase() + user.name.slice(1);
  return {
    ok: true,
    user: {
      id,
      team_id: state.teamId,
      name: user.name,
      real_name: realName,
      deleted: false,
      tz: 'Europe/Berlin',
      tz_offset: 3600,
      // Slack reports owners as admins too; an admin check that reads only is_admin still sees them.
      is_admin: user.isAdmin || user.isOwner,
      is_owner: user.isOwner,
      is_primary_owner: user.isOwner,
      is_bot: false,
      profile: { real_name: realName, display_name: user.name },
    },
  };
};

const viewsOpen: MethodHandler = (state, args) => {
  const triggerId = stringArg(args, 'trigger_id');
  if (triggerId === undefined || triggerId === '') return fail('invalid_arguments');
  const view = args.view;
  if (typeof view !== 'object' || view === null || Array.isArray(view)) return fail('invalid_arguments');
  const opened: FakeOpenedView = { id: state.nextId('V'), triggerId, view: view as Record<string, unknown> };
  state.views.push(opened);
  return {
    ok: true,
    view: {
      callback_id: '',
      private_metadata: '',
      ...opened.view,
      id: opened.id,
      team_id: state.teamId,
      app_id: 'A0000001',
      bot_id: state.botId,
      hash: `${opened.id}.hash`,
      state: { values: {} },
    },
  };
};

const filesGetUploadUrlExternal: MethodHandler = (state, args) => {
  const filename = stringArg(args, 'filename');
  const length = Number(stringArg(args, 'length'));
  if (filename === undefined || filename === '' || !Number.isInteger(length) || length <= 0) {
    return fail('invalid_arguments');
  }
  const id = state.nextId('F');
  state.announcedFiles.set(id, { id, filename, length });
  return { ok: true, upload_url: `${state.baseUrl}/upload/${id}`, file_id: id };
};

const filesCompleteUploadExternal: MethodHandler = (state, args) => {
  const files = args.files;
  if (!Array.isArray(files) || files.length === 0) return fail('invalid_arguments');
  const entries: { id: string; title: string | undefined }[] = [];
  for (const entry of files as unknown[]) {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const id = stringArg(record, 'id');
    if (id === undefined || !state.announcedFiles.has(id)) return fail('file_not_found');
    entries.push({ id, title: stringArg(record, 'title') });
  }
  const channelId = stringArg(args, 'channel_id');
  // Without channel_id Slack keeps the files private to the uploader; nothing is shared then.
  const channel = channelId === undefined ? undefined : writableChannel(state, channelId);
  if (typeof channel === 'string') return fail(channel);
  const ts = state.nextTs();
  const result = entries.map(({ id, title }) => {
    const name = state.announcedFiles.get(id)?.filename ?? id;
    const shared: FakeSharedFile = {
      id,
      name,
      title: title ?? name,
      channel: channel?.id ?? '',
      ts,
      initialComment: stringArg(args, 'initial_comment'),
      threadTs: stringArg(args, 'thread_ts'),
    };
    if (channel === undefined) return { id, title: shared.title, name, shares: {} };
    state.sharedFiles.push(shared);
    return fileJson(state, shared);
  });
  return { ok: true, files: result };
};

const filesInfo: MethodHandler = (state, args) => {
  const id = stringArg(args, 'file');
  const shared = state.sharedFiles.filter((file) => file.id === id);
  const [first] = shared;
  if (first === undefined) {
    const announced = id === undefined ? undefined : state.announcedFiles.get(id);
    if (announced === undefined) return fail('file_not_found');
    return {
      ok: true,
      file: { id: announced.id, name: announced.filename, title: announced.filename, shares: {} },
    };
  }
  return { ok: true, file: fileJson(state, first) };
};

/** Every method the fake implements, by Web API name. Anything else answers `unknown_method`. */
export const METHOD_HANDLERS: Readonly<Record<string, MethodHandler>> = {
  'auth.test': authTest,
  'chat.postMessage': chatPostMessage,
  'chat.update': chatUpdate,
  'chat.postEphemeral': chatPostEphemeral,
  'chat.delete': chatDelete,
  'files.delete': filesDelete,
  'conversations.join': conversationsJoin,
  'conversations.open': conversationsOpen,
  'conversations.info': conversationsInfo,
  'users.info': usersInfo,
  'views.open': viewsOpen,
  'files.getUploadURLExternal': filesGetUploadUrlExternal,
  'files.completeUploadExternal': filesCompleteUploadExternal,
  'files.info': filesInfo,
};

/** Runs `method` against `state`; `{ ok: false, error: 'unknown_method' }` for a method the fake lacks. */
export function callMethod(
  state: SlackState,
  method: string,
  args: MethodArgs,
  caller: MethodCaller = { teamId: state.teamId },
): MethodResult {
  // hasOwn, so that names like `constructor` or `toString` are unknown methods, not prototype members.
  const handler = Object.hasOwn(METHOD_HANDLERS, method) ? METHOD_HANDLERS[method] : undefined;
  return handler === undefined ? fail('unknown_method') : handler(state, args, caller);
}

/**
 * The workspace a call concerns: that of the conversation or person it names (`channel`, `channel_id`,
 * `user`, `users`); undefined when it names none the fake knows (the handler answers for those).
 */
export function concernedTeam(state: SlackState, args: MethodArgs): string | undefined {
  for (const field of ['channel', 'channel_id', 'user', 'users']) {
    const value = stringArg(args, field)?.split(',')[0];
    const team = value === undefined ? undefined : state.teamOf(value);
    if (team !== undefined) return team;
  }
  return undefined;
}
