export { type InfluxConfig, influxOptionsFromConfig } from './config.js';
export {
  createInfluxExtension,
  INFLUX_CURSOR,
  type InfluxExportOptions,
  type InfluxExtension,
  type InfluxHealth,
  influxDuration,
} from './exporter.js';
export { influxSchemas, type Measurement, SCHEMAS, seriesKey, toPoints } from './points.js';
