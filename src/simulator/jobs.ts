/**
 * The simulator's jobs: who owns them, where they are in IN_QUEUE -> IN_PROGRESS -> final state
 * (computed from the clock on every read, so no timers are needed to move them), and the
 * RunPod-style body a status check returns.
 */

import { randomUUID } from 'node:crypto';
import type { SubmitRequest } from './api-bodies.js';
import { drawNoisePng, drawPromptPicture, type EncodedImage } from './images.js';
import { buildImageOutput } from './output.js';
import { imagesPlan, type JobOutcome, type JobPlan, parseScenario } from './scenarios.js';
import type { ImageDelivery, SimJobStatus, SimJobView } from './types.js';

/** One job, submitted or invented from a scenario id. */
export interface SimJob {
  readonly id: string;
  readonly scenario: boolean;
  ownerKey: string | undefined;
  readonly askedBy: Set<string>;
  readonly createdAt: number;
  readonly prompt: string;
  readonly model: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly plan: JobPlan;
  readonly webhook: string | undefined;
  webhookSent: boolean;
  /** Set by `completeNow`/`setJobState`: wins over the clock. */
  override?: { status: SimJobStatus; extra: Record<string, unknown> | undefined; at: number };
  /** Drawn on first need and kept, so every read serves the same bytes. */
  images?: Promise<EncodedImage[]>;
}

/** A RunPod-style status body. */
export interface JobBody {
  id: string;
  status: SimJobStatus;
  delayTime: number;
  executionTime?: number;
  output?: unknown;
  error?: unknown;
  [extra: string]: unknown;
}

/** Settings the job store needs from the simulator options. */
export interface JobStoreSettings {
  queueMs: number;
  runMs: number;
  imageDelivery: ImageDelivery;
  imageSize: number;
  now: () => number;
}

const FINAL_STATUSES: ReadonlySet<SimJobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** True for statuses a job never leaves. */
export function isFinalStatus(status: SimJobStatus): boolean {
  return FINAL_STATUSES.has(status);
}

function finalStatusOf(outcome: JobOutcome): SimJobStatus {
  switch (outcome.kind) {
    case 'images':
    case 'output':
      return 'COMPLETED';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'CANCELLED';
    case 'expired':
      return 'TIMED_OUT';
  }
}

/** Scales the requested size so its longer side is `imageSize`: the shape is kept, the bytes stay small. */
function pictureSize(size: number, width: number | undefined, height: number | undefined): [number, number] {
  const w = width ?? height ?? size;
  const h = height ?? width ?? size;
  const scale = size / Math.max(w, h);
  return [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
}

/** Holds every job and answers for them. */
export class JobStore {
  readonly #jobs = new Map<string, SimJob>();
  readonly #settings: JobStoreSettings;

  constructor(settings: JobStoreSettings) {
    this.#settings = settings;
  }

  /** Creates a job for a submit; it belongs to `ownerKey` only. */
  submit(ownerKey: string, request: SubmitRequest): SimJob {
    const [width, height] = pictureSize(this.#settings.imageSize, request.width, request.height);
    const job: SimJob = {
      id: randomUUID(),
      scenario: false,
      ownerKey,
      askedBy: new Set(),
      createdAt: this.#settings.now(),
      prompt: request.prompt,
      model: request.model,
      seed: request.seed,
      width,
      height,
      plan: imagesPlan(request.batchSize),
      webhook: request.webhook,
      webhookSent: false,
    };
    this.#jobs.set(job.id, job);
    return job;
  }

  /**
   * The job `key` may see: a submitted job only by its owner (other keys get nothing, as another
   * workspace would); a scenario job by any key, created on its first check with its clock starting then.
   */
  findFor(jobId: string, key: string): SimJob | undefined {
    const existing = this.#jobs.get(jobId);
    if (existing && !existing.scenario && existing.ownerKey !== key) return undefined;
    const job = existing ?? this.#createScenario(jobId, key);
    if (!job) return undefined;
    // A scenario job created by a test control has no owner until a key first asks for it.
    job.ownerKey ??= key;
    job.askedBy.add(key);
    return job;
  }

  /** Any job by id, whoever owns it (for image downloads and test controls). */
  get(jobId: string): SimJob | undefined {
    return this.#jobs.get(jobId);
  }

  /** The job, or the scenario job created now (owned by nobody yet); throws for an unknown id. */
  require(jobId: string): SimJob {
    const job = this.#jobs.get(jobId) ?? this.#createScenario(jobId, undefined);
    if (!job) throw new Error(`simulator: no job ${jobId} and it names no scenario`);
    return job;
  }

  #createScenario(jobId: string, key: string | undefined): SimJob | undefined {
    const plan = parseScenario(jobId);
    if (!plan) return undefined;
    const size = this.#settings.imageSize;
    const job: SimJob = {
      id: jobId,
      scenario: true,
      ownerKey: key,
      askedBy: new Set(),
      createdAt: this.#settings.now(),
      // The id is the prompt: each scenario id has its own, reproducible pictures.
      prompt: jobId,
      model: plan.model ?? 'flux-schnell',
      seed: 0,
      width: size,
      height: size,
      plan,
      webhook: undefined,
      webhookSent: false,
    };
    this.#jobs.set(jobId, job);
    return job;
  }

  #phases(job: SimJob): { queueEnd: number; end: number } {
    const queue = (job.plan.times?.queueMs ?? this.#settings.queueMs) * job.plan.timeScale;
    const run = (job.plan.times?.runMs ?? this.#settings.runMs) * job.plan.timeScale;
    switch (job.plan.timeline) {
      case 'immediate':
        return { queueEnd: 0, end: 0 };
      case 'after-queue':
        return { queueEnd: queue, end: queue };
      case 'after-run':
        return { queueEnd: queue, end: queue + run };
      case 'never':
        return { queueEnd: queue, end: Number.POSITIVE_INFINITY };
    }
  }

  /** The job's status now. */
  statusOf(job: SimJob): SimJobStatus {
    if (job.override) return job.override.status;
    const elapsed = this.#settings.now() - job.createdAt;
    const { queueEnd, end } = this.#phases(job);
    if (elapsed >= end) return finalStatusOf(job.plan.outcome);
    return elapsed < queueEnd ? 'IN_QUEUE' : 'IN_PROGRESS';
  }

  /** Milliseconds until the job reaches its final state by the clock; undefined if it never does. */
  msUntilFinal(job: SimJob): number | undefined {
    if (job.override) return isFinalStatus(job.override.status) ? 0 : undefined;
    const { end } = this.#phases(job);
    if (!Number.isFinite(end)) return undefined;
    return Math.max(0, job.createdAt + end - this.#settings.now());
  }

  /** Makes the job reach its planned outcome now (a `never-*` job completes with its image). */
  completeNow(job: SimJob): void {
    job.override = { status: finalStatusOf(job.plan.outcome), extra: undefined, at: this.#settings.now() };
  }

  /** Forces the job's status; `extra` is merged into its body. */
  setState(job: SimJob, status: SimJobStatus, extra?: Record<string, unknown>): void {
    job.override = { status, extra, at: this.#settings.now() };
  }

  /** The job's pictures, drawn once. A job planned without images still gets one if forced COMPLETED. */
  images(job: SimJob): Promise<EncodedImage[]> {
    job.images ??= this.#draw(job);
    return job.images;
  }

  #draw(job: SimJob): Promise<EncodedImage[]> {
    const outcome = job.plan.outcome;
    if (outcome.kind === 'images' && outcome.noiseMiB !== undefined) {
      return drawNoisePng(outcome.noiseMiB, job.id).then((image) => [image]);
    }
    const count = outcome.kind === 'images' ? outcome.count : 1;
    const format = outcome.kind === 'images' ? outcome.format : 'png';
    const { prompt, seed, width, height } = job;
    return Promise.all(
      Array.from({ length: count }, (_, index) =>
        drawPromptPicture({ prompt, seed, index, width, height, format }),
      ),
    );
  }

  /** The RunPod-style status body; `baseUrl` is used for images delivered as URLs. */
  async body(job: SimJob, baseUrl: string): Promise<JobBody> {
    const status = this.statusOf(job);
    const { queueEnd, end } = this.#phases(job);
    // Times stop where the job stopped: at its planned end, or when a test forced its state.
    const stoppedAt = job.override ? job.override.at - job.createdAt : end;
    const elapsed = Math.max(0, Math.min(this.#settings.now() - job.createdAt, stoppedAt));
    const body: JobBody = { id: job.id, status, delayTime: Math.round(Math.min(elapsed, queueEnd)) };
    if (status !== 'IN_QUEUE') body.executionTime = Math.round(Math.max(0, elapsed - queueEnd));

    const outcome = job.plan.outcome;
    if (status === 'COMPLETED') {
      body.output = outcome.kind === 'output' ? outcome.output : await this.#imageOutput(job, baseUrl);
    } else if (status === 'FAILED') {
      body.error = outcome.kind === 'failed' ? outcome.error : 'simulated failure';
    }
    return { ...body, ...job.override?.extra };
  }

  async #imageOutput(job: SimJob, baseUrl: string): Promise<unknown> {
    const outcome = job.plan.outcome;
    const shape = outcome.kind === 'images' ? outcome.shape : 'images';
    const delivery =
      (outcome.kind === 'images' ? outcome.delivery : undefined) ?? this.#settings.imageDelivery;
    const images = await this.images(job);
    const jobPath = encodeURIComponent(job.id);
    return buildImageOutput(
      images,
      shape,
      delivery,
      (n, image) => `${baseUrl}/images/${jobPath}/${n}.${image.extension}`,
    );
  }

  /** A snapshot of every job for assertions. */
  views(): ReadonlyMap<string, SimJobView> {
    const views = new Map<string, SimJobView>();
    for (const job of this.#jobs.values()) {
      const outcome = job.plan.outcome;
      views.set(job.id, {
        id: job.id,
        status: this.statusOf(job),
        ownerKey: job.ownerKey,
        askedBy: [...job.askedBy],
        scenario: job.scenario,
        createdAt: job.createdAt,
        prompt: job.prompt,
        model: job.model,
        imageCount: outcome.kind === 'images' ? outcome.count : 0,
        webhook: job.webhook,
        webhookSent: job.webhookSent,
      });
    }
    return views;
  }
}
