/**
 * Operator metrics in the Prometheus text format, served at `GET /metrics`, on prom-client (the standard Node
 * client; nothing hand-rolled). The ack latency is a summary, so its p50/p99 can be read straight from the
 * endpoint (the benchmark does).
 */
import { Counter, collectDefaultMetrics, Gauge, Registry, Summary } from 'prom-client';

/** What adapters and the bot record. */
export interface BotMetrics {
  /**
   * Time from a platform event reaching the process to its acknowledgement: Discord, the interaction event to
   * the deferral accepted; Slack (HTTP mode), the request arriving to Bolt's answer sent.
   */
  observeAck(platform: 'discord' | 'slack', milliseconds: number): void;
  /** One command received, by platform and command name. */
  countCommand(platform: 'discord' | 'slack', command: string): void;
  /** The Prometheus text exposition, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Builds the metrics on a registry of their own (so tests and several bots in one process do not clash). */
export function createMetrics(options: { activeWatches(): number }): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'skidio_' });
  const ack = new Summary({
    name: 'skidio_ack_latency_seconds',
    help: 'From a platform event reaching the process to its acknowledgement being sent',
    labelNames: ['platform'],
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [registry],
  });
  const commands = new Counter({
    name: 'skidio_commands_total',
    help: 'Commands received',
    labelNames: ['platform', 'command'],
    registers: [registry],
  });
  new Gauge({
    name: 'skidio_active_watches',
    help: 'Jobs being watched',
    registers: [registry],
    collect() {
      this.set(options.activeWatches());
    },
  });
  return {
    observeAck: (platform, milliseconds) => ack.observe({ platform }, milliseconds / 1000),
    countCommand: (platform, command) => commands.inc({ platform, command }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
