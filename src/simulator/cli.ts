/**
 * Runs the Skidio simulator on its own: `tsx src/simulator/cli.ts [--port 4010] [--key KEY]...`.
 * Prints the URL and the accepted keys, then serves until SIGINT or SIGTERM.
 */

import { parseArgs } from 'node:util';
import { SIMULATOR_DEFAULTS, startSkidioSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: SIMULATOR_DEFAULTS.host },
    key: { type: 'string', multiple: true },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0 for any free port), got ${values.port}`);
  process.exit(2);
}
const apiKeys = values.key && values.key.length > 0 ? values.key : [...SIMULATOR_DEFAULTS.apiKeys];
const simulator = await startSkidioSimulator({ port, host: values.host, apiKeys });

console.log(`Skidio simulator listening on ${simulator.url}`);
console.log(`API key${apiKeys.length > 1 ? 's' : ''}: ${apiKeys.join(', ')}`);
console.log(
  `Try: SKIDIO_API_URL=${simulator.url} and job ids demo-1, batch3-x, fail-1, slow-1, big-1, shape-bare-1`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
