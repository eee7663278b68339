/**
 * What the bot says that only exists on Discord: the 15-minute handover, posting refused, DMs, the key form.
 * Everything else comes from `src/core/messages.ts`, so both platforms say the same thing.
 */

/** `job \`x\`` when the job is known, else a neutral phrase. */
function jobPhrase(jobId: string | undefined): string {
  return jobId ? `job \`${jobId}\`` : 'this job';
}

/** The progress line before the first status check has answered. */
export function stillWatchingText(jobId: string | undefined): string {
  return `⏳ Still watching ${jobId ? `job \`${jobId}\`` : 'the job'}.`;
}

/** Added to the interaction reply when later updates move to the bot's own messages. */
export function handoverNotice(privately: boolean): string {
  return privately
    ? "⏩ Discord lets me update this reply for only 15 minutes, so I'll send you the rest in a direct message."
    : '⏩ Discord lets me update this reply for only 15 minutes, so updates and the result continue in a new message in this channel.';
}

/** Added to the interaction reply (while it can still be edited) when the bot may not post where it must. */
export function cannotPostNotice(privately: boolean, jobId: string | undefined): string {
  const again = jobId ? `\`/skidio status ${jobId}${privately ? ' private:True' : ''}\`` : '`/skidio status`';
  return privately
    ? `⚠️ I can't send you a direct message (your privacy settings may block them), so I can't deliver ${jobPhrase(jobId)} privately once this reply expires. Ask again later with ${again}.`
    : `⚠️ I'm not allowed to post in this channel, so I can't post ${jobPhrase(jobId)}'s result here once this reply expires. An admin can let me view the channel, send messages and attach files; then ask again with ${again}.`;
}

/** What the channel progress message becomes once the result or the error is posted below it. */
export function finishedBelowText(jobId: string | undefined): string {
  return `↪️ ${jobId ? `Job \`${jobId}\`` : 'The job'} has finished: see below.`;
}

/** The answer to any command in a DM: there is no workspace there. */
export const SERVERS_ONLY_TEXT =
  'ℹ️ Skidio commands work in servers only: each server has its own Skidio API key, and a DM has none. Use `/skidio` in a server channel where I am installed.';

/** The answer to a subcommand this process does not know (an old registration). */
export const UNKNOWN_COMMAND_TEXT =
  "⚠️ I don't know that command (the bot may have been updated). Try `/skidio help`.";

/** The answer to an interaction Discord sent incomplete (no command data, or no user). */
export const UNREADABLE_INTERACTION_TEXT =
  "⚠️ I couldn't read that command: Discord sent it incomplete. Try again, or try `/skidio help`.";

/** The key form's title (at most 45 characters) and its one field. */
export const KEY_FORM_TITLE = 'Set the Skidio API key';
export const KEY_FORM_LABEL = 'Skidio API key';
export const KEY_FORM_DESCRIPTION =
  'Stored encrypted for this server; only its last 4 characters are shown again.';

/**
 * Discord calls a workspace a server: the core's platform-neutral sentences about "this workspace" and
 * "workspace admins" are put in Discord's words before they are posted. Only those phrases change, so a
 * reason quoted from the Skidio API keeps its own words.
 */
export function inDiscordWords(text: string): string {
  return text
    .replace(/\b([Tt])his workspace\b/g, '$1his server')
    .replace(/\b([Ww])orkspace admins\b/g, (_match, w: string) =>
      w === 'W' ? 'Server admins' : 'server admins',
    )
    .replace(/\b([Ff])or workspace\b/g, '$1or server');
}
