/**
 * `npm run bench [-- --json] [-- --only 2,4]`: measures the figures of the performance issue on loopback
 * fakes and the simulator, prints a table of value, target and whether it is met; `--json` also writes the
 * figures measured into bench/results.json, keeping the rows of the others.
 */

import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FigureResult } from './figure.js';
import { measureAckLatency } from './figures/ack-latency.js';
import { measureCoalescing } from './figures/coalescing.js';
import { measureColdStart } from './figures/cold-start.js';
import { measureCrowd } from './figures/crowd.js';
import { measureCrowdDelivery } from './figures/crowd-delivery.js';
import { measureImageRelay } from './figures/image-relay.js';
import { measureInstances } from './figures/instances.js';
import { measureNotificationDelay } from './figures/notification-delay.js';
import { measurePollingPlan } from './figures/polling-plan.js';
import { measureScale } from './figures/scale.js';
import { measureSlackCalls } from './figures/slack-calls.js';
import { measureStoreWrites } from './figures/store-writes.js';
import { measureWebhookDelivery } from './figures/webhook-delivery.js';

const figures: Record<number, () => Promise<FigureResult | FigureResult[]>> = {
  1: measureAckLatency,
  2: measureCoalescing,
  3: measureNotificationDelay,
  4: measureScale,
  5: measureImageRelay,
  6: measureColdStart,
  7: measureInstances,
  8: measureCrowd,
  9: measureCrowdDelivery, // rows 9 and 10 come from the same runs
  11: measurePollingPlan,
  12: measureStoreWrites,
  13: measureSlackCalls,
  14: measureWebhookDelivery, // rows 14a and 14b come from the same run
};

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const selected = values.only ? values.only.split(',').map(Number) : Object.keys(figures).map(Number);

// Figures that run the bot as a child process run the built `dist/`, as `npm start` does: build it fresh.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});

/** A row of bench/results.json: a figure's result and when it was measured. */
type MeasuredResult = FigureResult & { measuredAt?: string };

const results: FigureResult[] = [];
for (const id of selected) {
  const measure = figures[id];
  if (!measure) {
    process.stderr.write(`no figure ${id}; figures: ${Object.keys(figures).join(', ')}\n`);
    process.exit(2);
  }
  process.stderr.write(`measuring figure ${id}…\n`);
  results.push(...[await measure()].flat());
}

const verdict = (met: FigureResult['met']) => (met === 'report' ? 'reported' : met ? 'met' : 'MISSED');
const rows = results.map(
  (result) =>
    `| ${result.id} | ${result.what} | ${result.value} | ${result.target} | ${verdict(result.met)} |`,
);
process.stdout.write(['| # | what | measured | target | |', '|---|---|---|---|---|', ...rows, ''].join('\n'));
if (values.json) {
  // Rows of figures not measured this time are kept, each with the date it was measured, so one figure can be
  // measured again without measuring them all.
  const file = new URL('./results.json', import.meta.url);
  const measuredAt = new Date().toISOString();
  const figureOf = (result: FigureResult) => Number.parseInt(String(result.id), 10);
  const earlier = await readFile(file, 'utf8')
    .then((text) => (JSON.parse(text) as { results?: MeasuredResult[] }).results ?? [])
    .catch(() => [] as MeasuredResult[]);
  const kept = earlier.filter((result) => !selected.includes(figureOf(result)));
  const report = {
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    results: [...kept, ...results.map((result) => ({ ...result, measuredAt }))].sort(
      (a, b) => figureOf(a) - figureOf(b),
    ),
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write('wrote bench/results.json\n');
}
