export {
  createNodeRedExtension,
  createNodeRedRuntime,
  type NodeRedHealth,
  type NodeRedHost,
  type NodeRedOptions,
  type NodeRedRuntime,
  type NodeRedState,
  operatorAccounts,
} from './extension.js';
export { findFlowsPackage, installShippedFlows, mergeShippedFlows } from './flows.js';
export { DEFAULT_NODERED_PORT, type NodeRedWiring, noderedOptions } from './options.js';
export { PERMISSIONS, renderLauncher, renderSettings } from './settings.js';
export { backoffDelay, DEFAULT_BACKOFF, ProcessSupervisor } from './supervisor.js';
