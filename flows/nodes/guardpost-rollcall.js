'use strict';
/**
 * guardpost roll call: an input message starts a system roll call
 * (gp/v1/ops/rollcall); when the call closes, the retained result on
 * gp/v1/rollcall/{call}/result comes out, attached to the input message.
 *
 * The gateway chooses the call id, so the result is matched to the request:
 * the first result for a call this node has not seen before, whose scope is
 * the requested one (unit, or zone), started by this node's account, and
 * started no earlier than the request (less a clock-skew allowance).
 */
const { topics, parsePayload, asRecord } = require('./lib/topics');

const SKEW_MS = 60_000;

/**
 * @typedef {object} Request a roll call asked for, waiting for its result
 * @property {string | null} zone
 * @property {string | null} unit
 * @property {number} requestedAt
 * @property {import('./types').NodeMessage} msg
 * @property {import('./types').Send} send
 * @property {import('./types').Done} done
 * @property {NodeJS.Timeout | undefined} timer
 */

/** @param {import('./types').NodeAPI} RED */
module.exports = (RED) => {
  /**
   * @this {import('./types').Node}
   * @param {import('./types').NodeConfig} config
   */
  function GuardpostRollcallNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = /** @type {import('./types').GatewayNode | null} */ (RED.nodes.getNode(config.gateway));
    if (!gateway) {
      this.status({ fill: 'red', shape: 'ring', text: 'guardpost.status.no-gateway' });
      return;
    }
    const graceS = Number(config.grace) > 0 ? Number(config.grace) : 30;
    /** @type {Set<string>} call ids already seen (retained results replayed on (re)subscribe included) */
    const seenCalls = new Set();
    /** @type {Request[]} requests waiting for their result, oldest first */
    let pending = [];
    gateway.register(this);

    const showStatus = () => {
      if (pending.length) this.status({ fill: 'blue', shape: 'dot', text: `${pending.length} …` });
      else this.status(gateway.currentStatus());
    };

    /**
     * @param {Request} req
     * @param {Record<string, unknown>} result
     */
    const scopeMatches = (req, result) => {
      const units = Array.isArray(result.units) ? result.units.map((u) => asRecord(u)?.unit) : [];
      if (req.unit) return units.length === 1 && units[0] === req.unit;
      if (req.zone) return result.zone === req.zone;
      return true;
    };

    const unsubscribe = gateway.subscribe(topics.rollcallResult('+'), (topic, payload) => {
      const result = asRecord(parsePayload(payload));
      if (!result || typeof result.call !== 'string') return;
      if (seenCalls.has(result.call)) return;
      seenCalls.add(result.call);
      const startedAt = Date.parse(String(result.startedAt));
      const i = pending.findIndex(
        (req) =>
          scopeMatches(req, result) &&
          (!result.by || !gateway.user || result.by === gateway.user) &&
          !(startedAt < req.requestedAt - SKEW_MS),
      );
      if (i < 0) return;
      const [req] = pending.splice(i, 1);
      if (!req) return;
      clearTimeout(req.timer);
      showStatus();
      req.msg.payload = result;
      req.msg.topic = topic;
      req.msg.call = result.call;
      req.send(req.msg);
      req.done();
    });

    this.on('input', (msg, send, done) => {
      const p = asRecord(msg.payload) ?? {};
      /** @param {unknown} v */
      const pick = (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
      const zone = pick(p.zone) || pick(config.zone);
      const unit = pick(p.unit) || pick(config.unit);
      const windowS = Number(p.window_s !== undefined ? p.window_s : config.window || 120);
      if (!Number.isFinite(windowS) || windowS < 1 || windowS > 86400) {
        return done(new Error(RED._('guardpost.errors.bad-window')));
      }
      /** @type {{window_s: number, zone?: string, unit?: string}} */
      const request = { window_s: windowS };
      if (zone) request.zone = zone;
      if (unit) request.unit = unit;
      /** @type {Request} */
      const req = { zone, unit, requestedAt: Date.now(), msg, send, done, timer: undefined };
      req.timer = setTimeout(
        () => {
          pending = pending.filter((r) => r !== req);
          showStatus();
          done(new Error(RED._('guardpost.errors.no-result', { seconds: windowS + graceS })));
        },
        (windowS + graceS) * 1000,
      );
      pending.push(req);
      showStatus();
      gateway.publish(topics.opsRollcall, request).catch((err) => {
        clearTimeout(req.timer);
        pending = pending.filter((r) => r !== req);
        showStatus();
        done(err);
      });
    });

    this.on('close', (done) => {
      for (const req of pending) clearTimeout(req.timer);
      pending = [];
      unsubscribe();
      gateway.deregister(this);
      done();
    });
  }
  RED.nodes.registerType('guardpost-rollcall', GuardpostRollcallNode);
};
