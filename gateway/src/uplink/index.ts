export {
  CITY_OPERATOR,
  createUplinkExtension,
  UPLINK_CURSOR,
  type UplinkExtension,
  type UplinkHealth,
} from './extension.js';
export { type UplinkConfig, uplinkSchema } from './schema.js';
