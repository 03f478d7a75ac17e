export { basicAccount, type HumanAccount } from './auth.js';
export { buildConsoleConfig, type ConsoleConfig } from './config.js';
export {
  type ConsoleExtensionOptions,
  createConsoleExtension,
  defaultMqttBrowserPath,
  defaultWebRoot,
} from './extension.js';
