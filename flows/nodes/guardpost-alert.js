'use strict';
/**
 * guardpost alert.
 * Output: one message per alert state change (raised, escalated,
 * acknowledged, resolved), from gp/v1/unit/+/alert and/or gp/v1/zone/+/alert,
 * de-duplicated by (id, state) and filtered by kind, state and zone.
 * Input: {payload: {unit, message, severity}} raises a custom alert
 * (publishes gp/v1/ops/alert).
 */
const { topics, list, parsePayload, asRecord } = require('./lib/topics');
const { SeenKeys } = require('./lib/dedupe');

const SEVERITIES = ['critical', 'warning', 'info'];

/** @param {import('./types').NodeAPI} RED */
module.exports = (RED) => {
  /**
   * @this {import('./types').Node}
   * @param {import('./types').NodeConfig} config
   */
  function GuardpostAlertNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = /** @type {import('./types').GatewayNode | null} */ (RED.nodes.getNode(config.gateway));
    if (!gateway) {
      this.status({ fill: 'red', shape: 'ring', text: 'guardpost.status.no-gateway' });
      return;
    }
    const kinds = list(config.kinds);
    const states = list(config.states);
    const zones = list(config.zones);
    const source = config.source || 'both';
    const seen = new SeenKeys(5000);
    gateway.register(this);

    /** @type {import('./types').MessageHandler} */
    const onAlert = (topic, payload) => {
      const alert = asRecord(parsePayload(payload));
      if (!alert || typeof alert.id !== 'string') return;
      if (!seen.first(`${alert.id}\u0000${alert.state}`)) return;
      if (kinds && !kinds.includes(String(alert.kind))) return;
      if (states && !states.includes(String(alert.state))) return;
      if (zones && !zones.includes(String(alert.zone))) return;
      this.send({
        topic,
        payload: alert,
        kind: alert.kind,
        state: alert.state,
        zone: alert.zone,
        unit: alert.unit,
      });
    };
    /** @type {(() => void)[]} */
    const unsubscribers = [];
    if (source === 'both' || source === 'units')
      unsubscribers.push(gateway.subscribe(topics.unitAlert('+'), onAlert));
    if (source === 'both' || source === 'zones')
      unsubscribers.push(gateway.subscribe(topics.zoneAlert('+'), onAlert));

    this.on('input', (msg, send, done) => {
      const p = asRecord(msg.payload) ?? {};
      const unit = p.unit || msg.unit || config.unit;
      const message =
        typeof p.message === 'string' ? p.message : typeof msg.payload === 'string' ? msg.payload : '';
      const severity = p.severity || config.severity || 'warning';
      if (!unit || typeof unit !== 'string') return done(new Error(RED._('guardpost.errors.unit-required')));
      if (!message) return done(new Error(RED._('guardpost.errors.message-required')));
      if (typeof severity !== 'string' || !SEVERITIES.includes(severity))
        return done(new Error(RED._('guardpost.errors.bad-severity')));
      gateway.publish(topics.opsAlert, { unit, message, severity }).then(
        () => done(),
        (err) => done(err),
      );
    });

    this.on('close', (done) => {
      for (const u of unsubscribers) u();
      gateway.deregister(this);
      done();
    });
  }
  RED.nodes.registerType('guardpost-alert', GuardpostAlertNode);
};
