/**
 * A small valid site (no problems, no warnings) for the broken-config tests:
 * each test changes one thing with `mutate` and asserts the exact report.
 */
export const HASH = 'scrypt$16384$8$1$U24IpKwvXt0nfPeNNJHI7A==$BHEScoysvu10Fw+mq83ijIEDP9XekjGO2wyKvXkROmM=';

export const BASE = `site: { id: t, name: 测试, timezone: Asia/Shanghai }
zones:
  - { id: east, name: 东片区, escalation: [police], lead: U01 }
  - { id: west, name: 西片区, escalation: [police] }
units:
  - { id: U01, name: 甲单位, zone: east, kind: government }
  - { id: U02, name: 乙小区, zone: east, kind: residential }
  - { id: U03, name: 丙学校, zone: west, kind: school }
guards:
  - { id: G1, name: 张三, unit: U01, card: "04A1B2C3D4E5F6" }
  - { id: G2, name: 李四, unit: U02, card: "04A1B2C3D4E5F7" }
checkpoints:
  - { id: CP1, unit: U01, tag: "04D1E2F3", name: 北门 }
  - { id: CP2, unit: U02, tag: "04D1E2F4", name: 东门 }
routes:
  - { id: r1, zone: east, checkpoints: [CP1, CP2], maxDuration: 40m }
devices:
  - { id: U01-PANIC-1, kind: panic, unit: U01, heartbeat: 60s, password_hash: "${HASH}" }
  - { id: U02-READER-1, kind: reader, unit: U02, checkpoint: CP2, password_hash: "${HASH}" }
  - { id: U03-PANIC-1, kind: panic, unit: U03 }
serial:
  - { path: /dev/ttyUSB0, driver: gpl, devices: [U03-PANIC-1] }
consoles:
  - { id: U01-duty, unit: U01, password_hash: "${HASH}" }
operators:
  - { id: police, role: admin, password_hash: "${HASH}" }
`;

/** BASE with each `from` replaced by `to`; throws when `from` is not in the text (a stale test). */
export function mutate(...edits: Array<[from: string, to: string]>): string {
  let text = BASE;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`mutate: "${from}" not found`);
    text = text.replace(from, to);
  }
  return text;
}
