/**
 * Reading the Skidio request bodies: the RunPod `{ input: { api_key, job_id } }` envelope and the
 * txt2img submit fields. Validation answers the way an API would: 400 with a message naming the field.
 */

/** Models the API accepts (DESIGN.md). */
export const SKIDIO_MODELS = ['flux-schnell', 'flux-dev', 'sd3', 'sdxl', 'sdxl-turbo', 'sd1.5'] as const;

/** Largest `batch_size` of a submit. */
export const MAX_SUBMIT_BATCH = 4;
const MAX_SIDE = 4096;

/** A validated txt2img submit. */
export interface SubmitRequest {
  prompt: string;
  model: string;
  width: number | undefined;
  height: number | undefined;
  batchSize: number;
  seed: number;
  webhook: string | undefined;
}

/** Either the value or the 400 message explaining what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `input.<field>` when it is a non-empty string. */
export function inputField(body: unknown, field: 'api_key' | 'job_id'): string | undefined {
  if (!isRecord(body) || !isRecord(body.input)) return undefined;
  const value = body.input[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalInteger(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): Parsed<number | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return { ok: false, error: `${field} must be an integer from ${min} to ${max}` };
  }
  return { ok: true, value };
}

/** Validates a submit body (the key is checked separately, before this). */
export function parseSubmit(body: unknown): Parsed<SubmitRequest> {
  if (!isRecord(body)) return { ok: false, error: 'request body must be a JSON object' };
  const { prompt, model, seed, webhook } = body;
  if (typeof prompt !== 'string' || prompt.trim() === '') return { ok: false, error: 'prompt is required' };
  if (typeof model !== 'string' || !(SKIDIO_MODELS as readonly string[]).includes(model)) {
    return { ok: false, error: `model must be one of: ${SKIDIO_MODELS.join(', ')}` };
  }
  const width = optionalInteger(body, 'width', 1, MAX_SIDE);
  if (!width.ok) return width;
  const height = optionalInteger(body, 'height', 1, MAX_SIDE);
  if (!height.ok) return height;
  const batch = optionalInteger(body, 'batch_size', 1, MAX_SUBMIT_BATCH);
  if (!batch.ok) return batch;
  if (webhook !== undefined && webhook !== null && (typeof webhook !== 'string' || !URL.canParse(webhook))) {
    return { ok: false, error: 'webhook must be an absolute URL' };
  }
  return {
    ok: true,
    value: {
      prompt,
      model,
      width: width.value,
      height: height.value,
      batchSize: batch.value ?? 1,
      // Clients send -1 for "random"; the simulator stays deterministic and uses the number as is.
      seed: typeof seed === 'number' && Number.isFinite(seed) ? seed : 0,
      webhook: typeof webhook === 'string' ? webhook : undefined,
    },
  };
}
