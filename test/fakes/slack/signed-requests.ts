/**
 * The Slack side of a Bolt HTTP app: slash commands and interactions sent to its `/slack/events` endpoint,
 * signed the way Slack signs them, so the app's real signature check runs in tests.
 */

import { createHmac } from 'node:crypto';

/** What the app answered: status, raw body, and the body parsed when it is JSON. */
export interface AppResponse {
  status: number;
  body: string;
  json?: unknown;
}

/**
 * Overrides for testing the signature check: a fixed `timestamp` (seconds; default now), a literal
 * `signature` header value, or `signature: null` to send no signature header at all.
 */
export interface SigningOverrides {
  timestamp?: number;
  signature?: string | null;
}

/** The fields of a slash command; the rest of Slack's form has defaults. */
export interface SlashCommandFields {
  text: string;
  user_id: string;
  channel_id: string;
  /** Default `T0000001`, the fake's default workspace. */
  team_id?: string;
  enterprise_id?: string;
  /** Default `/skidio`. */
  command?: string;
  /** Slack always sends one; omitted unless given, so pass `fake.responseUrl(id)` when the app responds. */
  response_url?: string;
  /** Default: a fresh id, so `views.open` works without setup. */
  trigger_id?: string;
  user_name?: string;
  channel_name?: string;
}

/** The `v0=` signature Slack puts in `x-slack-signature` for `rawBody` sent at `timestamp` (seconds). */
export function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

let triggerSequence = 0;

/** A trigger id in Slack's shape; unique per process. */
export function newTriggerId(): string {
  triggerSequence += 1;
  return `${1000 + triggerSequence}.${Date.now()}.fake${triggerSequence}`;
}

/** Posts a signed form body, exactly as Slack does, and reads the whole answer. */
export async function sendSignedForm(
  appUrl: string,
  signingSecret: string,
  rawBody: string,
  signing: SigningOverrides = {},
): Promise<AppResponse> {
  const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    signing.signature === undefined ? signSlackRequest(signingSecret, timestamp, rawBody) : signing.signature;
  const headers: Record<string, string> = {
    // Exactly this: Bolt compares the header verbatim and answers 400 to `...; charset=utf-8`.
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
  };
  if (signature !== null) headers['x-slack-signature'] = signature;
  // A string body, not URLSearchParams: fetch would add `;charset=UTF-8` to the content type for those.
  const response = await fetch(appUrl, { method: 'POST', headers, body: rawBody });
  const body = await response.text();
  const result: AppResponse = { status: response.status, body };
  try {
    if (body !== '') result.json = JSON.parse(body);
  } catch {
    // Not JSON (an empty ack, or Bolt's plain-text errors): `body` has it.
  }
  return result;
}

/** Sends `/skidio` (or `fields.command`) to a Bolt app at `appUrl`, e.g. `http://127.0.0.1:PORT/slack/events`. */
export function sendSlashCommand(
  appUrl: string,
  signingSecret: string,
  fields: SlashCommandFields,
  signing: SigningOverrides = {},
): Promise<AppResponse> {
  const teamId = fields.team_id ?? 'T0000001';
  const form = new URLSearchParams({
    token: 'fake-verification-token',
    team_id: teamId,
    team_domain: 'fake-workspace',
    channel_id: fields.channel_id,
    channel_name: fields.channel_name ?? fields.channel_id.toLowerCase(),
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: fields.command ?? '/skidio',
    text: fields.text,
    api_app_id: 'A0000001',
    is_enterprise_install: 'false',
    trigger_id: fields.trigger_id ?? newTriggerId(),
  });
  if (fields.enterprise_id !== undefined) form.set('enterprise_id', fields.enterprise_id);
  if (fields.response_url !== undefined) form.set('response_url', fields.response_url);
  return sendSignedForm(appUrl, signingSecret, form.toString(), signing);
}

/** Sends an interaction payload (block action, view submission...) as Slack does: form field `payload`. */
export function sendInteraction(
  appUrl: string,
  signingSecret: string,
  payload: object,
  signing: SigningOverrides = {},
): Promise<AppResponse> {
  const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSignedForm(appUrl, signingSecret, rawBody, signing);
}

/** The state of one input element in a submitted view; Slack sends `value: null` for an empty text input. */
export type ViewInputState = { type: string; value?: string | null } & Record<string, unknown>;

/** What `viewSubmission()` needs; the rest of the payload has defaults. */
export interface ViewSubmissionFields {
  callbackId: string;
  userId: string;
  privateMetadata?: string;
  teamId?: string;
  /** The id `views.open` returned, to tie the submission to a recorded view. Default: a made-up id. */
  viewId?: string;
  /** `view.state.values`: `{ [blockId]: { [actionId]: { type: 'plain_text_input', value } } }`. */
  values: Record<string, Record<string, ViewInputState>>;
}

/** Who an interaction payload comes from: the team, the user, and the app it is for. */
function interactionFrom(teamId: string, userId: string): Record<string, unknown> {
  return {
    team: { id: teamId, domain: 'fake-workspace' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: teamId },
    api_app_id: 'A0000001',
    token: 'fake-verification-token',
  };
}

/** A `view_submission` payload, for `sendInteraction`, that Bolt routes to `app.view(callbackId, ...)`. */
export function viewSubmission(fields: ViewSubmissionFields): Record<string, unknown> {
  const teamId = fields.teamId ?? 'T0000001';
  const viewId = fields.viewId ?? 'V_SUBMITTED';
  return {
    type: 'view_submission',
    ...interactionFrom(teamId, fields.userId),
    trigger_id: newTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      callback_id: fields.callbackId,
      private_metadata: fields.privateMetadata ?? '',
      state: { values: fields.values },
      hash: `${viewId}.hash`,
      title: { type: 'plain_text', text: 'Skidio' },
      blocks: [],
      app_id: 'A0000001',
      app_installed_team_id: teamId,
      bot_id: 'B0000001',
      root_view_id: viewId,
      previous_view_id: null,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** What `blockAction()` needs: who clicked which button, on which message. */
export interface BlockActionFields {
  userId: string;
  channelId: string;
  messageTs: string;
  actionId: string;
  value: string;
  teamId?: string;
  responseUrl?: string;
}

/** A `block_actions` payload for a button click, for `sendInteraction`; Bolt routes it to `app.action()`. */
export function blockAction(fields: BlockActionFields): Record<string, unknown> {
  const teamId = fields.teamId ?? 'T0000001';
  return {
    type: 'block_actions',
    ...interactionFrom(teamId, fields.userId),
    container: {
      type: 'message',
      message_ts: fields.messageTs,
      channel_id: fields.channelId,
      is_ephemeral: false,
    },
    trigger_id: newTriggerId(),
    channel: { id: fields.channelId, name: fields.channelId.toLowerCase() },
    message: { type: 'message', ts: fields.messageTs, text: '' },
    ...(fields.responseUrl === undefined ? {} : { response_url: fields.responseUrl }),
    actions: [
      {
        action_id: fields.actionId,
        block_id: 'skidio_result',
        text: { type: 'plain_text', text: 'button' },
        value: fields.value,
        type: 'button',
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Posts a signed Events API JSON body, as Slack delivers events to `/slack/events`. */
export async function sendSignedJson(
  appUrl: string,
  signingSecret: string,
  body: object,
  signing: SigningOverrides = {},
): Promise<AppResponse> {
  const rawBody = JSON.stringify(body);
  const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    signing.signature === undefined ? signSlackRequest(signingSecret, timestamp, rawBody) : signing.signature;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestamp),
  };
  if (signature !== null) headers['x-slack-signature'] = signature;
  const response = await fetch(appUrl, { method: 'POST', headers, body: rawBody });
  return { status: response.status, body: await response.text() };
}

let eventSequence = 0;

/** An `event_callback` envelope for `event`, from workspace `teamId`. */
export function eventCallback(
  teamId: string,
  event: Record<string, unknown>,
  enterpriseId?: string,
): Record<string, unknown> {
  eventSequence += 1;
  return {
    token: 'fake-verification-token',
    team_id: teamId,
    ...(enterpriseId === undefined ? {} : { enterprise_id: enterpriseId }),
    api_app_id: 'A0000001',
    event: { event_ts: `${Math.floor(Date.now() / 1000)}.000${eventSequence}`, ...event },
    type: 'event_callback',
    event_id: `Ev${String(eventSequence).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    is_enterprise_install: false,
  };
}

/** Slack telling the app that workspace `teamId` uninstalled it. */
export function sendAppUninstalled(
  appUrl: string,
  signingSecret: string,
  teamId: string,
): Promise<AppResponse> {
  return sendSignedJson(appUrl, signingSecret, eventCallback(teamId, { type: 'app_uninstalled' }));
}

/** Slack telling the app that workspace `teamId` revoked its bot token (`botUserIds`: the bot users). */
export function sendTokensRevoked(
  appUrl: string,
  signingSecret: string,
  teamId: string,
  botUserIds: string[],
): Promise<AppResponse> {
  return sendSignedJson(
    appUrl,
    signingSecret,
    eventCallback(teamId, { type: 'tokens_revoked', tokens: { oauth: [], bot: botUserIds } }),
  );
}
