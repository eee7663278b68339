/**
 * How long each model's jobs take in the simulator's `model-<name>-…` scenarios: a queue wait and a run time,
 * each drawn from a log-normal law around the model's median, so a model's durations cluster the way a real
 * worker's do (the run varies a little with load, the queue more, with cold starts). The figures are
 * plausible for 1024×1024 images at default steps, not measured: they give the polling planner something to
 * learn, and the bench a mix whose shape is known.
 */
import { SKIDIO_MODELS } from './api-bodies.js';

/** One model's timing: medians in ms, and the spread of each (standard deviation of the logarithm). */
export interface ModelTiming {
  queueMedianMs: number;
  queueSpread: number;
  runMedianMs: number;
  runSpread: number;
}

/** A model name the API accepts. */
export type SkidioModel = (typeof SKIDIO_MODELS)[number];

const QUEUE = { queueMedianMs: 500, queueSpread: 0.6 };

export const MODEL_TIMINGS: Record<SkidioModel, ModelTiming> = {
  'sdxl-turbo': { ...QUEUE, runMedianMs: 1_200, runSpread: 0.1 },
  'flux-schnell': { ...QUEUE, runMedianMs: 3_500, runSpread: 0.1 },
  'sd1.5': { ...QUEUE, runMedianMs: 5_000, runSpread: 0.1 },
  sdxl: { ...QUEUE, runMedianMs: 9_000, runSpread: 0.1 },
  sd3: { ...QUEUE, runMedianMs: 16_000, runSpread: 0.1 },
  'flux-dev': { ...QUEUE, runMedianMs: 28_000, runSpread: 0.1 },
};

/** True for a model the simulator has timings for. */
export function isSkidioModel(name: string): name is SkidioModel {
  return (SKIDIO_MODELS as readonly string[]).includes(name);
}

/** Draws one job's queue wait and run time (ms) for `model`, from `random` (uniform in [0, 1)). */
export function drawJobTimes(model: SkidioModel, random: () => number): { queueMs: number; runMs: number } {
  const timing = MODEL_TIMINGS[model];
  const logNormal = (median: number, spread: number) =>
    Math.round(median * Math.exp(spread * normal(random)));
  return {
    queueMs: logNormal(timing.queueMedianMs, timing.queueSpread),
    runMs: logNormal(timing.runMedianMs, timing.runSpread),
  };
}

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A random seeded by text (FNV-1a, then mulberry32): the same job id always draws the same times. */
export function randomSeededBy(text: string): () => number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  let state = hash;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
