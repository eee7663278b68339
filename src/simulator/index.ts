/**
 * A Skidio Labs API simulator on loopback, with RunPod-style bodies, scenario job ids and fault
 * injection, for `npm run demo`, tests and benchmarks. It depends on node built-ins and sharp only.
 */

export { SKIDIO_MODELS } from './api-bodies.js';
export type { ImageFormat, OutputShape } from './scenarios.js';
export { parseScenario } from './scenarios.js';
export { SIMULATOR_DEFAULTS, startSkidioSimulator } from './server.js';
export type {
  FaultResponse,
  FaultRoute,
  ImageDelivery,
  RecordedRequest,
  SimJobStatus,
  SimJobView,
  SimLogger,
  SimulatorOptions,
  SkidioSimulator,
} from './types.js';
