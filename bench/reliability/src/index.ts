// Every export here is used by the figures run (figures.test.ts) and by the bounded test
// (test/reliability); named exports only.
export {
  type GatewayOverHttpStack,
  type GatewayStack,
  startGateway,
  startGatewayOverHttpStack,
  startSlowUpstream,
} from './gateway-stack.js';
export { Balancer, openSession, startHttpLoad } from './http-load.js';
export { type HttpStack, startHttpStack } from './http-stack.js';
export { ensureAppsBuilt, Run } from './processes.js';
export { Recorder } from './recorder.js';
export {
  type GatewayFaultFigures,
  type GatewayFaultName,
  runGatewayFault,
} from './scenario-gateway-faults.js';
export { type GatewayLoadFigures, runGatewayLoadScenario } from './scenario-gateway-load.js';
export {
  type HttpFaultFigures,
  type HttpFaultName,
  judge,
  runHttpFault,
  runHttpFaultOnNewStack,
} from './scenario-http-faults.js';
export { type HttpLoadFigures, measureHttpLoad, runHttpLoadScenario } from './scenario-http-load.js';
export { type ModelFaultFigures, runModelFault } from './scenario-model-fault.js';
export { findSecrets, lineCount, type SecretHit } from './secrets.js';
