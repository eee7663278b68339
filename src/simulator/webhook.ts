/**
 * Completion webhooks: when a job that was submitted with `webhook` reaches its final state, its
 * status body is POSTed there once. Best effort, and loopback only: the simulator must never call out.
 */

import { isFinalStatus, type JobStore, type SimJob } from './jobs.js';
import type { SimLogger } from './types.js';

const WEBHOOK_TIMEOUT_MS = 5000;
/** The least wait when a timer fired before its job was final, so a clock that lags cannot spin the loop. */
const RE_ARM_MIN_MS = 5;
const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** True when `url` points at this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'http:' && protocol !== 'https:') return false;
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Sends each job's webhook once, when the job is final, whether a timer or a status check notices first. */
export class WebhookNotifier {
  readonly #store: JobStore;
  readonly #baseUrl: () => string;
  readonly #logger: SimLogger | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  // Aborts webhook calls still in flight when the simulator closes.
  readonly #closing = new AbortController();

  constructor(store: JobStore, baseUrl: () => string, logger: SimLogger | undefined) {
    this.#store = store;
    this.#baseUrl = baseUrl;
    this.#logger = logger;
  }

  /** Arms a timer for when the job should be final by the clock, so the webhook fires without polling. */
  watch(job: SimJob, minMs = 0): void {
    const ms = job.webhook === undefined ? undefined : this.#store.msUntilFinal(job);
    if (ms === undefined) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        // Timers count from the event loop's cached time and the job's phases from the wall clock, so after a
        // busy turn of the loop a timer fires a few milliseconds before the job is final: arm it again rather
        // than never send the webhook.
        if (isFinalStatus(this.#store.statusOf(job))) void this.check(job);
        else this.watch(job, RE_ARM_MIN_MS);
      },
      Math.max(ms, minMs),
    );
    timer.unref();
    this.#timers.add(timer);
  }

  /** Sends the webhook if the job has one, is final and was not notified yet. */
  async check(job: SimJob): Promise<void> {
    const url = job.webhook;
    if (url === undefined || job.webhookSent || !isFinalStatus(this.#store.statusOf(job))) return;
    job.webhookSent = true;
    if (!isLoopbackUrl(url)) {
      this.#logger?.warn({ jobId: job.id }, 'simulator: webhook skipped, only loopback URLs are called');
      return;
    }
    try {
      const body = await this.#store.body(job, this.#baseUrl());
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      this.#logger?.info({ jobId: job.id, status: response.status }, 'simulator: webhook sent');
    } catch (error) {
      this.#logger?.warn({ jobId: job.id, err: String(error) }, 'simulator: webhook failed');
    }
  }

  /** Stops pending timers and in-flight calls. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#closing.abort();
  }
}
