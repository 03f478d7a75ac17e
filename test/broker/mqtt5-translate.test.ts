/** Pure MQTT 5 packet logic of the bridge (gateway/src/broker/mqtt5-translate.ts). */
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  connackReasonCode,
  connectToV4,
  disconnectFor,
  fromClient,
  newSession,
  subackReasonCode,
  toClient,
} from '../../gateway/src/broker/mqtt5-translate.js';

const v5connect = (over: Partial<IConnectPacket> = {}): IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 5,
  clean: true,
  clientId: 'dev-1',
  keepalive: 30,
  username: 'U02-PANIC-1',
  password: Buffer.from('secret'),
  ...over,
});
const fixedId = (): string => 'assigned-1';

describe('CONNECT v5 → 3.1.1', () => {
  it('keeps identity, credentials, keepalive and the will (its properties are applied by the bridge)', () => {
    const step = connectToV4(
      v5connect({
        will: {
          topic: 'gp/v1/dev/U02-PANIC-1/status',
          payload: Buffer.from('offline'),
          qos: 1,
          retain: true,
          properties: { willDelayInterval: 30, contentType: 'text/plain' },
        },
        properties: { receiveMaximum: 10, userProperties: { a: 'b' } },
      }),
      newSession(),
      fixedId,
    );
    expect(step.kind).toBe('forward');
    if (step.kind !== 'forward') return;
    expect(step.packet).toEqual({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'dev-1',
      keepalive: 30,
      username: 'U02-PANIC-1',
      password: Buffer.from('secret'),
      will: { topic: 'gp/v1/dev/U02-PANIC-1/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    // and it encodes as a valid 3.1.1 CONNECT
    const parsed: Packet[] = [];
    const parser = mqttPacket.parser();
    parser.on('packet', (p: Packet) => parsed.push(p));
    parser.parse(mqttPacket.generate(step.packet, { protocolVersion: 4 }));
    expect(parsed[0]).toMatchObject({ cmd: 'connect', protocolVersion: 4, clientId: 'dev-1', clean: true });
  });
  it.each([
    [true, undefined, true],
    [true, 0, true],
    [false, 0, false],
    [false, 3600, false],
    [true, 3600, true],
  ])('cleanStart %s, sessionExpiryInterval %s → clean %s [MQTT-3.1.2-4/5]', (cleanStart, expiry, clean) => {
    const session = newSession();
    const step = connectToV4(
      v5connect({
        clean: cleanStart,
        properties: expiry === undefined ? {} : { sessionExpiryInterval: expiry },
      }),
      session,
      fixedId,
    );
    expect(step.kind === 'forward' && step.packet.cmd === 'connect' && step.packet.clean).toBe(clean);
    expect(session.expirySec).toBe(expiry ?? 0);
  });
  it('keeps what the client accepts (Receive Maximum, Maximum Packet Size) and the will delay', () => {
    const session = newSession();
    connectToV4(
      v5connect({
        properties: { receiveMaximum: 2, maximumPacketSize: 64 },
        will: {
          topic: 'w',
          payload: Buffer.from('x'),
          qos: 0,
          retain: false,
          properties: { willDelayInterval: 5, contentType: 't' },
        },
      }),
      session,
      fixedId,
    );
    expect(session).toMatchObject({
      clientReceiveMaximum: 2,
      clientMaxPacketBytes: 64,
      willDelaySec: 5,
      willProperties: { contentType: 't' },
    });
  });
  it('a clean start never reports a session present [MQTT-3.2.2-2]', () => {
    const session = newSession();
    connectToV4(v5connect({ clean: true }), session, fixedId);
    expect(toClient({ cmd: 'connack', returnCode: 0, sessionPresent: true }, session)).toMatchObject({
      sessionPresent: false,
    });
  });
  it('assigns a client id to an empty one and reports it in CONNACK', () => {
    const session = newSession();
    const step = connectToV4(v5connect({ clientId: '' }), session, fixedId);
    expect(step.kind === 'forward' && step.packet.cmd === 'connect' && step.packet.clientId).toBe(
      'assigned-1',
    );
    const connack = toClient({ cmd: 'connack', returnCode: 0, sessionPresent: false }, session);
    expect(connack).toMatchObject({
      reasonCode: 0,
      properties: { assignedClientIdentifier: 'assigned-1', topicAliasMaximum: 0 },
    });
  });
  it('refuses enhanced authentication with 0x8C', () => {
    const step = connectToV4(
      v5connect({ properties: { authenticationMethod: 'SCRAM' } }),
      newSession(),
      fixedId,
    );
    expect(step).toMatchObject({ kind: 'refuse', reasonCode: 0x8c });
  });
});

describe('reason codes', () => {
  it.each([
    [0, 0x00],
    [1, 0x84],
    [2, 0x85],
    [3, 0x88],
    [4, 0x86],
    [5, 0x87],
    [9, 0x80],
  ])('CONNACK return code %i → %i', (rc, reason) => {
    expect(connackReasonCode(rc)).toBe(reason);
  });
  it('a refused CONNACK carries no properties', () => {
    expect(toClient({ cmd: 'connack', returnCode: 4, sessionPresent: false }, newSession())).toEqual({
      cmd: 'connack',
      sessionPresent: false,
      reasonCode: 0x86,
    });
  });
  it('SUBACK: granted QoS kept, 0x80 → 0x87 Not authorized', () => {
    expect([0, 1, 2, 0x80].map(subackReasonCode)).toEqual([0, 1, 2, 0x87]);
  });
  it('UNSUBACK gets one success code per filter of its UNSUBSCRIBE', () => {
    const s = newSession();
    fromClient({ cmd: 'unsubscribe', messageId: 7, unsubscriptions: ['a', 'b', 'c'] }, s, fixedId);
    expect(toClient({ cmd: 'unsuback', messageId: 7, granted: [] }, s)).toMatchObject({ granted: [0, 0, 0] });
    expect(s.unsubscribeCounts.size).toBe(0);
  });
  it('disconnect reasons: ACL refusal → 0x87, keepalive → 0x8D, anything else → 0x80', () => {
    expect(
      disconnectFor(new Error('device U02-PANIC-1 may publish only under gp/v1/dev/U02-PANIC-1/')).reasonCode,
    ).toBe(0x87);
    expect(disconnectFor(new Error('keep alive timeout')).reasonCode).toBe(0x8d);
    expect(disconnectFor(new Error('SQLITE_FULL: database or disk is full')).reasonCode).toBe(0x80);
  });
});

describe('client packets', () => {
  it('SUBSCRIBE keeps its options and identifier (aedes applies no-local and retain-as-published)', () => {
    const packet: Packet = {
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [{ topic: 'gp/v1/unit/U02/#', qos: 1, nl: true, rap: true, rh: 2 }],
      properties: { subscriptionIdentifier: 5 },
    };
    expect(fromClient(packet, newSession(), fixedId)).toEqual({ kind: 'forward', packet });
  });
  it('$share filters are refused with 0x9E, the others go to the broker and the SUBACK is merged', () => {
    const s = newSession();
    const step = fromClient(
      {
        cmd: 'subscribe',
        messageId: 4,
        subscriptions: [
          { topic: '$share/g/a', qos: 1 },
          { topic: 'b', qos: 1 },
        ],
      },
      s,
      fixedId,
    );
    expect(step.kind === 'forward' && step.packet.cmd === 'subscribe' && step.packet.subscriptions).toEqual([
      { topic: 'b', qos: 1 },
    ]);
    expect(toClient({ cmd: 'suback', messageId: 4, granted: [1] }, s)).toMatchObject({ granted: [0x9e, 1] });
    expect(
      fromClient(
        { cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: '$share/g/a', qos: 0 }] },
        s,
        fixedId,
      ),
    ).toEqual({ kind: 'reply', packet: { cmd: 'suback', messageId: 5, granted: [0x9e] } });
  });
  it('PUBLISH keeps its properties; a topic alias is refused with 0x94', () => {
    const base: Packet = {
      cmd: 'publish',
      topic: 'gp/v1/dev/D/tap',
      payload: Buffer.from('{}'),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
      properties: { contentType: 'application/json', userProperties: { x: 'y' } },
    };
    const ok = fromClient(base, newSession(), fixedId);
    expect(ok.kind === 'forward' && ok.packet).toEqual(base);
    expect(fromClient({ ...base, properties: { topicAlias: 1 } }, newSession(), fixedId)).toMatchObject({
      kind: 'refuse',
      reasonCode: 0x94,
    });
  });
  it('more QoS 1/2 PUBLISHes in flight than the Receive Maximum: 0x93; a broker ack frees a slot', () => {
    const s = newSession();
    const pub = (messageId: number): Packet => ({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.from('x'),
      qos: 2,
      messageId,
      retain: false,
      dup: false,
    });
    for (let i = 1; i <= 1000; i++) expect(fromClient(pub(i), s, fixedId).kind).toBe('forward');
    expect(fromClient(pub(1), s, fixedId).kind).toBe('forward'); // a resend is no new message
    expect(fromClient(pub(1001), s, fixedId)).toMatchObject({ kind: 'refuse', reasonCode: 0x93 });
    toClient({ cmd: 'pubcomp', messageId: 1 }, s);
    expect(fromClient(pub(1001), s, fixedId).kind).toBe('forward');
  });
  it('DISCONNECT may lower or raise a session expiry, not set one after 0 [MQTT-3.14.2-2]', () => {
    const s = newSession();
    s.expirySec = 10;
    fromClient({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } }, s, fixedId);
    expect(s.expirySec).toBe(0);
    expect(
      fromClient({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 5 } }, s, fixedId),
    ).toMatchObject({ kind: 'refuse', reasonCode: 0x82 });
  });
  it('DISCONNECT 0x04 closes so the will is published; a normal one is forwarded', () => {
    expect(fromClient({ cmd: 'disconnect', reasonCode: 0x04 }, newSession(), fixedId).kind).toBe(
      'closeWithWill',
    );
    expect(fromClient({ cmd: 'disconnect', reasonCode: 0 }, newSession(), fixedId)).toEqual({
      kind: 'forward',
      packet: { cmd: 'disconnect' },
    });
  });
  it('PUBACK reason codes are dropped', () => {
    expect(fromClient({ cmd: 'puback', messageId: 4, reasonCode: 0x10 }, newSession(), fixedId)).toEqual({
      kind: 'forward',
      packet: { cmd: 'puback', messageId: 4 },
    });
  });
});
