'use strict';
/**
 * Remembers the last `capacity` keys seen. One alert state change reaches
 * every target unit's topic (and the zone topic after escalation), so the
 * alert node sees it several times and must pass it on once.
 */
class SeenKeys {
  /** @param {number} [capacity] */
  constructor(capacity) {
    this.capacity = capacity || 5000;
    /** @type {Set<string>} */
    this.keys = new Set();
  }
  /**
   * true the first time `key` is offered (while it is remembered).
   * @param {string} key
   */
  first(key) {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}
module.exports = { SeenKeys };
