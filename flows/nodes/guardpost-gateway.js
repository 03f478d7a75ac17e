'use strict';
/**
 * guardpost-gateway: one MQTT connection to a guardpost gateway, shared by
 * every guardpost node that uses this config node. Logs in with an operator
 * account (technician or admin); the password is a Node-RED credential or,
 * when left empty, the GUARDPOST_NR_PASSWORD environment variable.
 */
const mqtt = require('mqtt');
const { matches } = require('./lib/topics');

/** @param {import('./types').NodeAPI} RED */
module.exports = (RED) => {
  /**
   * @this {import('./types').GatewayNode}
   * @param {import('./types').NodeConfig} config
   */
  function GuardpostGatewayNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const env = process.env;
    node.name = config.name;
    node.url = String(config.url || '').trim() || env.GUARDPOST_MQTT_URL || 'mqtt://127.0.0.1:1883';
    node.user = String(config.user || '').trim() || env.GUARDPOST_NR_USER || '';
    const password = (node.credentials && node.credentials.password) || env.GUARDPOST_NR_PASSWORD || '';
    const persistent = config.persistent === true || config.persistent === 'true';
    const clientId =
      String(config.clientId || '').trim() ||
      (persistent
        ? `nodered-${node.user}-${node.id}`.replace(/[^A-Za-z0-9_.-]/g, '_')
        : `nodered-${node.user}-${Math.random().toString(16).slice(2, 10)}`);

    /** @type {Map<string, Set<import('./types').MessageHandler>>} filter → handlers(topic, payload Buffer, packet) */
    const subscriptions = new Map();
    /** @type {Set<import('./types').Node>} */
    const users = new Set();
    /** @type {import('mqtt').MqttClient | null} */
    let client = null;
    let closing = false;
    /** @type {import('./types').NodeStatus} */
    let lastStatus = { fill: 'grey', shape: 'ring', text: 'guardpost.status.idle' };

    /** @param {import('./types').NodeStatus} s */
    function setStatus(s) {
      lastStatus = s;
      for (const u of users) u.status(s);
    }

    function connect() {
      if (client || closing) return;
      if (!node.user || !password) {
        setStatus({ fill: 'red', shape: 'ring', text: 'guardpost.status.no-credentials' });
        node.warn(RED._('guardpost.errors.no-credentials'));
        return;
      }
      setStatus({ fill: 'yellow', shape: 'ring', text: 'guardpost.status.connecting' });
      client = mqtt.connect(node.url, {
        username: node.user,
        password,
        clientId,
        clean: !persistent,
        protocolVersion: 4,
        reconnectPeriod: 2000,
        connectTimeout: 10000,
        resubscribe: false,
      });
      const c = client;
      c.on('connect', () => {
        setStatus({ fill: 'green', shape: 'dot', text: 'guardpost.status.connected' });
        const filters = [...subscriptions.keys()];
        if (filters.length) c.subscribe(filters, { qos: 1 }, onSubscribed);
      });
      c.on('reconnect', () =>
        setStatus({ fill: 'yellow', shape: 'ring', text: 'guardpost.status.connecting' }),
      );
      c.on('close', () => {
        if (!closing) setStatus({ fill: 'red', shape: 'ring', text: 'guardpost.status.disconnected' });
      });
      c.on('error', (err) => {
        node.error(`${node.url}: ${err.message}`);
      });
      c.on('message', (topic, payload, packet) => {
        // One dispatch per received message, to every handler whose filter matches.
        for (const [filter, handlers] of subscriptions) {
          if (!matches(filter, topic)) continue;
          for (const h of handlers) {
            try {
              h(topic, payload, packet);
            } catch (err) {
              node.error(err);
            }
          }
        }
      });
    }

    /**
     * @param {Error | null} err
     * @param {import('mqtt').ISubscriptionGrant[] | undefined} granted
     */
    function onSubscribed(err, granted) {
      if (err) {
        node.error(`subscribe failed: ${err.message}`);
        return;
      }
      for (const g of granted || []) {
        if (/** @type {number} */ (g.qos) === 128)
          node.error(RED._('guardpost.errors.refused', { topic: g.topic }));
      }
    }

    /** The connection's status, for nodes that showed something else meanwhile. */
    node.currentStatus = () => lastStatus;

    /** A guardpost node starts using the connection (receives status updates). */
    /** @param {import('./types').Node} user */
    node.register = (user) => {
      users.add(user);
      user.status(lastStatus);
      connect();
    };
    /** @param {import('./types').Node} user */
    node.deregister = (user) => {
      users.delete(user);
    };

    /** Subscribe `handler(topic, payloadBuffer, packet)` to an MQTT filter; returns the unsubscribe function. */
    /**
     * @param {string} filter
     * @param {import('./types').MessageHandler} handler
     */
    node.subscribe = (filter, handler) => {
      connect();
      let handlers = subscriptions.get(filter);
      if (!handlers) {
        handlers = new Set();
        subscriptions.set(filter, handlers);
        if (client && client.connected) client.subscribe(filter, { qos: 1 }, onSubscribed);
      }
      handlers.add(handler);
      return () => {
        const hs = subscriptions.get(filter);
        if (!hs) return;
        hs.delete(handler);
        if (hs.size === 0) {
          subscriptions.delete(filter);
          if (client && client.connected && !closing) client.unsubscribe(filter);
        }
      };
    };

    /** Publish a JSON object (QoS 1 by default); resolves when the gateway acknowledged it. */
    /**
     * @param {string} topic
     * @param {string | Buffer | object} payload
     * @param {{qos?: 0 | 1}} [opts]
     */
    node.publish = (topic, payload, opts) =>
      /** @type {Promise<void>} */ (
        new Promise((resolve, reject) => {
          connect();
          if (!client) return reject(new Error(RED._('guardpost.errors.no-credentials')));
          const body =
            typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
          client.publish(topic, body, { qos: 1, ...(opts || {}) }, (err) => (err ? reject(err) : resolve()));
        })
      );

    node.on('close', (done) => {
      closing = true;
      users.clear();
      const c = client;
      client = null;
      if (!c) return done();
      c.end(false, {}, () => done());
    });
  }

  RED.nodes.registerType('guardpost-gateway', GuardpostGatewayNode, {
    credentials: { password: { type: 'password' } },
  });
};
