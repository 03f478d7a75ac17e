'use strict';
/**
 * guardpost event: every normalised event the gateway republishes on
 * gp/v1/events/{kind}/{zone}/{unit}, filtered by kind, zone and unit
 * (empty or "+" = any). One message per event.
 */
const { topics, parsePayload } = require('./lib/topics');

/** @param {import('./types').NodeAPI} RED */
module.exports = (RED) => {
  /**
   * @this {import('./types').Node}
   * @param {import('./types').NodeConfig} config
   */
  function GuardpostEventNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = /** @type {import('./types').GatewayNode | null} */ (RED.nodes.getNode(config.gateway));
    if (!gateway) {
      this.status({ fill: 'red', shape: 'ring', text: 'guardpost.status.no-gateway' });
      return;
    }
    const filter = topics.event(config.kind, config.zone, config.unit);
    gateway.register(this);
    const unsubscribe = gateway.subscribe(filter, (topic, payload) => {
      const [, , , kind, zone, unit] = topic.split('/');
      this.send({ topic, payload: parsePayload(payload), kind, zone, unit });
    });
    this.on('close', (done) => {
      unsubscribe();
      gateway.deregister(this);
      done();
    });
  }
  RED.nodes.registerType('guardpost-event', GuardpostEventNode);
};
