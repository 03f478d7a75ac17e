// A siren tone with WebAudio. Browsers only allow audio after a user gesture,
// so unlock() is called from the first click / key press (the login counts).

/** @type {AudioContext | null} */
let ctx = null;
/** @type {{ osc: OscillatorNode, lfo: OscillatorNode, gain: GainNode } | null} */
let nodes = null;

export function audioReady() {
  return ctx !== null && ctx.state === 'running';
}

export function unlock() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  if (!ctx) ctx = new AC();
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
}

/** Start the two-tone wail (no-op when already sounding or audio is locked). */
export function startSiren() {
  if (!ctx || nodes) return;
  const osc = ctx.createOscillator();
  osc.type = 'sawtooth';
  osc.frequency.value = 880;
  const lfo = ctx.createOscillator();
  lfo.type = 'sine';
  lfo.frequency.value = 0.8;
  const depth = ctx.createGain();
  depth.gain.value = 320;
  lfo.connect(depth).connect(osc.frequency);
  const gain = ctx.createGain();
  gain.gain.value = 0.18;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  lfo.start();
  nodes = { osc, lfo, gain };
}

export function stopSiren() {
  if (!nodes) return;
  try {
    nodes.osc.stop();
    nodes.lfo.stop();
  } catch {
    // already stopped
  }
  nodes.gain.disconnect();
  nodes = null;
}

export function sirenOn() {
  return nodes !== null;
}

/** A short double beep for non-panic alerts. */
export function beep() {
  if (ctx?.state !== 'running') return;
  for (const start of [0, 0.25]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 660;
    gain.gain.value = 0.12;
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + start);
    osc.stop(ctx.currentTime + start + 0.15);
  }
}
