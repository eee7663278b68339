/** What a Skidio job id may look like: checked before any request, and before any adapter shows one. */
import { BadInputError } from './errors.js';

/** What the Skidio API uses for job ids (RunPod ids and friends), and nothing a chat could smuggle in. */
const JOB_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Trims and checks a job id; the offending text is never echoed back (it could hold mentions or markup). */
export function validateJobId(value: string): string {
  const jobId = value.trim();
  if (!JOB_ID_PATTERN.test(jobId) || jobId.includes('..')) {
    throw new BadInputError(
      'That is not a valid job id. A job id is 1 to 128 letters, digits, dots, dashes, underscores or colons, as the Skidio API returned it.',
    );
  }
  return jobId;
}
