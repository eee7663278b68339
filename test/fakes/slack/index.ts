/**
 * A loopback fake of Slack for end-to-end tests of the Slack adapter with the real Bolt and
 * @slack/web-api: `startFakeSlack()` plays slack.com, the senders play Slack calling the app.
 */

export type { AuthorizationState, InjectedFailure, RecordedCall, ResponseUrlPost } from './server.js';
export { FakeSlack, RESPONSE_URL, startFakeSlack, UPLOAD_URL } from './server.js';
export type {
  AppResponse,
  BlockActionFields,
  SigningOverrides,
  SlashCommandFields,
  ViewInputState,
  ViewSubmissionFields,
} from './signed-requests.js';
export {
  blockAction,
  eventCallback,
  newTriggerId,
  sendAppUninstalled,
  sendInteraction,
  sendSignedForm,
  sendSignedJson,
  sendSlashCommand,
  sendTokensRevoked,
  signSlackRequest,
  viewSubmission,
} from './signed-requests.js';
export type {
  FakeChannelSpec,
  FakeEphemeral,
  FakeMessage,
  FakeOAuthApp,
  FakeOpenedView,
  FakeSharedFile,
  FakeSlackOptions,
  FakeTeamSpec,
  FakeTokenRotation,
  FakeUpload,
  FakeUserSpec,
} from './workspace.js';
export { DEFAULT_CHANNELS, DEFAULT_USERS } from './workspace.js';
