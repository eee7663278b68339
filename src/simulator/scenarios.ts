/**
 * Scenario job ids: ids nobody submitted that the simulator invents on their first status check,
 * so the demo and tests can ask for a failing, slow or oddly shaped job by name (`fail-1`, `batch3-x`).
 */

import { drawJobTimes, isSkidioModel, randomSeededBy } from './model-durations.js';
import type { ImageDelivery } from './types.js';

/** Image formats the simulator can encode. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The ways a worker may lay images out in `output` (see DESIGN.md); `images` is the default. */
export type OutputShape =
  | 'images'
  | 'image_url'
  | 'objects'
  | 'urlobjects'
  | 'dataobjects'
  | 'array'
  | 'bare'
  | 'result';

/** What a job ends as. */
export type JobOutcome =
  | {
      kind: 'images';
      count: number;
      format: ImageFormat;
      shape: OutputShape;
      /** Overrides the simulator's `imageDelivery` for this job. */
      delivery?: ImageDelivery;
      /** Draw one incompressible image of about this many MiB instead of the prompt picture. */
      noiseMiB?: number;
    }
  | { kind: 'failed'; error: unknown }
  | { kind: 'output'; output: unknown }
  | { kind: 'cancelled' }
  | { kind: 'expired' };

/** When a job reaches its outcome, counted from its creation. */
export type JobTimeline = 'immediate' | 'after-queue' | 'after-run' | 'never';

/** How a job behaves: its outcome, when it gets there, and a multiplier on the queue/run times. */
export interface JobPlan {
  outcome: JobOutcome;
  timeline: JobTimeline;
  timeScale: number;
  /** Its own queue and run times (ms), instead of the simulator's `queueMs` and `runMs`. */
  times?: { queueMs: number; runMs: number };
  /** The model it reports, instead of flux-schnell. */
  model?: string;
}

/** A plain job: one PNG in `output.images` after the queue and run times. */
export function imagesPlan(count: number): JobPlan {
  return {
    outcome: { kind: 'images', count, format: 'png', shape: 'images' },
    timeline: 'after-run',
    timeScale: 1,
  };
}

function withImages(
  patch: Partial<Extract<JobOutcome, { kind: 'images' }>>,
  timeline: JobTimeline = 'after-run',
): JobPlan {
  const base = imagesPlan(1);
  return {
    ...base,
    outcome: { ...(base.outcome as Extract<JobOutcome, { kind: 'images' }>), ...patch },
    timeline,
  };
}

function ending(outcome: JobOutcome, timeline: JobTimeline): JobPlan {
  return { outcome, timeline, timeScale: 1 };
}

/** Scenarios named by the id's first dash-separated word. */
const NAMED: Record<string, () => JobPlan> = {
  demo: () => imagesPlan(1),
  done: () => withImages({}, 'immediate'),
  fail: () => ending({ kind: 'failed', error: 'NSFW content detected' }, 'after-queue'),
  failjson: () =>
    ending({ kind: 'failed', error: JSON.stringify({ message: 'CUDA out of memory' }) }, 'after-queue'),
  errorarray: () =>
    ending({ kind: 'failed', error: ['CUDA out of memory', 'worker exited with code 1'] }, 'after-queue'),
  outputerror: () =>
    ending({ kind: 'output', output: { status: 'error', message: 'model crashed' } }, 'after-run'),
  noimage: () => ending({ kind: 'output', output: {} }, 'after-run'),
  cancel: () => ending({ kind: 'cancelled' }, 'after-queue'),
  expire: () => ending({ kind: 'expired' }, 'after-run'),
  slow: () => ({ ...imagesPlan(1), timeScale: 10 }),
  never: () => ({ ...imagesPlan(1), timeline: 'never' }),
  big: () => withImages({ noiseMiB: 12, delivery: 'url' }),
  url: () => withImages({ delivery: 'url' }),
  b64: () => withImages({ delivery: 'base64' }),
  jpeg: () => withImages({ format: 'jpeg' }),
  webp: () => withImages({ format: 'webp' }),
};

const SHAPES: readonly OutputShape[] = [
  'image_url',
  'objects',
  'urlobjects',
  'dataobjects',
  'array',
  'bare',
  'result',
];

/** Largest `batch<N>-` and `big<N>-` accepted; beyond them the id is not a scenario. */
export const MAX_SCENARIO_BATCH = 12;
export const MAX_SCENARIO_BIG_MIB = 64;

/**
 * The plan for a scenario id, or undefined when the id names no scenario (the API then answers 404).
 * The id must have a dash after the scenario word: `demo-1`, `batch3-x`, `shape-bare-2`.
 */
export function parseScenario(jobId: string): JobPlan | undefined {
  const dash = jobId.indexOf('-');
  if (dash <= 0) return undefined;
  const word = jobId.slice(0, dash);
  const named = Object.hasOwn(NAMED, word) ? NAMED[word] : undefined;
  if (named) return named();

  const numbered = /^(batch|big)(\d{1,3})$/.exec(word);
  if (numbered) {
    const n = Number(numbered[2]);
    if (numbered[1] === 'batch') return n >= 1 && n <= MAX_SCENARIO_BATCH ? imagesPlan(n) : undefined;
    return n >= 1 && n <= MAX_SCENARIO_BIG_MIB ? withImages({ noiseMiB: n, delivery: 'url' }) : undefined;
  }

  if (word === 'model') {
    // `model-sdxl-7`: a job whose times are drawn from sdxl's law, the same every time for the same id.
    const rest = jobId.slice(dash + 1);
    const model = rest.slice(0, rest.lastIndexOf('-'));
    if (!isSkidioModel(model)) return undefined;
    return { ...imagesPlan(1), times: drawJobTimes(model, randomSeededBy(jobId)), model };
  }

  if (word === 'shape') {
    const name = jobId.slice(dash + 1).split('-')[0];
    const shape = SHAPES.find((s) => s === name);
    return shape ? withImages({ shape }) : undefined;
  }
  return undefined;
}
