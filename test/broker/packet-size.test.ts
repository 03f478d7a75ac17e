/**
 * The fixed-header packet size watcher (gateway/src/broker/packet-size.ts)
 * on real encoded packets: headers split across chunks, several packets per
 * chunk, 1- to 4-byte remaining lengths, the limit's edge, malformed lengths.
 */
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizeWatcher } from '../../gateway/src/broker/packet-size.js';
import { fixedHeader } from '../support/raw-mqtt.js';

const publish = (payloadBytes: number): Buffer =>
  mqttPacket.generate({
    cmd: 'publish',
    topic: 'gp/v1/dev/X/tap',
    payload: Buffer.alloc(payloadBytes, 0x41),
    qos: 0,
    retain: false,
    dup: false,
  });
const ping = mqttPacket.generate({ cmd: 'pingreq' });
const header = fixedHeader;

describe('PacketSizeWatcher', () => {
  it('passes a stream of packets under the limit, whatever the chunking', () => {
    const stream = Buffer.concat([ping, publish(10), publish(200), publish(20_000), ping, publish(0)]);
    for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const w = new PacketSizeWatcher(64 * 1024);
      const refused: number[] = [];
      for (let i = 0; i < stream.length; i += size)
        if (!w.feed(stream.subarray(i, i + size)).ok) refused.push(i);
      expect(refused).toEqual([]);
    }
  });
  it('accepts a packet of exactly the limit and refuses one byte more, as soon as the header is complete', () => {
    const exact = publish(1000);
    expect(new PacketSizeWatcher(exact.length).feed(exact)).toEqual({ ok: true });
    const w = new PacketSizeWatcher(exact.length - 1);
    // only the type byte and the 2-byte remaining length: already refused
    expect(w.feed(exact.subarray(0, 1))).toEqual({ ok: true });
    expect(w.feed(exact.subarray(1, 3))).toEqual({ ok: false, reason: 'too-large', size: exact.length });
    // and it stays refused
    expect(w.feed(ping).ok).toBe(false);
  });
  it('finds the oversize packet after several good ones in the same chunk', () => {
    const w = new PacketSizeWatcher(1024);
    const chunk = Buffer.concat([ping, publish(100), ping, header(0x30, 5000)]);
    expect(w.feed(chunk)).toEqual({ ok: false, reason: 'too-large', size: 1 + 2 + 5000 });
  });
  it('reads 4-byte lengths split byte by byte (100 MB declared)', () => {
    const h = header(0x30, 100 * 1024 * 1024);
    expect(h.length).toBe(5);
    const w = new PacketSizeWatcher(64 * 1024);
    for (let i = 0; i < h.length - 1; i++) expect(w.feed(h.subarray(i, i + 1))).toEqual({ ok: true });
    expect(w.feed(h.subarray(4))).toEqual({ ok: false, reason: 'too-large', size: 5 + 100 * 1024 * 1024 });
    // the largest length MQTT can express passes a large enough limit
    const max = header(0x30, 268_435_455);
    expect(new PacketSizeWatcher(2 ** 30).feed(max)).toEqual({ ok: true });
  });
  it('skips bodies exactly: the next header is read at the right byte', () => {
    const body = publish(300);
    const w = new PacketSizeWatcher(400);
    // a body full of bytes that would look like huge headers if misread
    expect(w.feed(body)).toEqual({ ok: true });
    expect(w.feed(Buffer.concat([header(0x30, 0x7f), Buffer.alloc(0x7f, 0xff)]))).toEqual({ ok: true });
    expect(w.feed(header(0x30, 401))).toMatchObject({ ok: false, reason: 'too-large' });
  });
  it('calls a fifth length byte malformed', () => {
    const w = new PacketSizeWatcher(2 ** 30);
    expect(w.feed(Buffer.from([0x30, 0xff, 0xff, 0xff]))).toEqual({ ok: true });
    expect(w.feed(Buffer.from([0xff]))).toEqual({ ok: false, reason: 'malformed' });
  });
});
