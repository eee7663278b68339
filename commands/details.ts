/**
 * `Details` under a result (`/skidio details <result>` as text), privately: every setting of an imagine
 * result, or the job's timings for a `status` result, and who asked when. A private result's details are
 * for the person who asked (or an admin).
 */
import type { CommandDefinition } from '../src/core/command.js';
import { formatElapsed } from '../src/core/messages.js';
import { findResult, requireOwnerOrAdmin, resultOption } from '../src/core/results/result-access.js';
import type { ResultRecord } from '../src/core/results/result-records.js';
import { inertMentions } from '../src/core/submission.js';

export const detailsCommand: CommandDefinition = {
  path: ['details'],
  description: 'Show how a result was made, privately',
  options: [resultOption],
  adminOnly: false,
  isPrivate: () => true,
  longRunning: false,
  button: 'posts',
  async handler({ invocation, reply, services }) {
    const record = await findResult(services, invocation);
    if (record.private) requireOwnerOrAdmin(record, invocation.requester, 'see the details of');
    await reply.privateText(detailsText(record));
  },
};

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** The details of a result, one fact per line. */
export function detailsText(record: ResultRecord): string {
  const images = `${record.imageCount} image${record.imageCount === 1 ? '' : 's'}`;
  const lines = [
    `ℹ️ Job \`${record.jobId}\`: completed, ${images}.`,
    `Asked by ${record.mention} at ${utc(record.askedAt)}; done ${formatElapsed(record.completedAt - record.askedAt)} later${record.private ? ' (private)' : ''}.`,
  ];
  const { submission } = record;
  if (submission) {
    lines.push(
      `Prompt: “${inertMentions(submission.prompt)}”`,
      ...(submission.negativePrompt
        ? [`Negative prompt: “${inertMentions(submission.negativePrompt)}”`]
        : []),
      `Model: ${submission.model} · Size: ${submission.width}x${submission.height} · Seed: ${submission.seed} · Steps: ${submission.steps ?? 'the model’s default'} · Count: ${submission.count}`,
    );
  }
  return lines.join('\n');
}
