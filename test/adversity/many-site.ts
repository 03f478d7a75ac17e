/** A generated site with many supervised devices (many-devices tests): YAML text and its counts. */
import { stringify } from 'yaml';

export interface ManySite {
  yaml: string;
  devices: string[];
}

/**
 * `devices` panic buttons with `heartbeat` spread over 10 zones of 10 units;
 * every account's password is "secret" (the small site's hash), for the
 * consoles and the operator that watch it. Commissioning and storms are off,
 * so every silent device is one device_offline alert.
 */
export function manyDeviceSite(devices: number, heartbeat: string): ManySite {
  const hash = 'scrypt$16384$8$1$U24IpKwvXt0nfPeNNJHI7A==$BHEScoysvu10Fw+mq83ijIEDP9XekjGO2wyKvXkROmM=';
  const zones = Array.from({ length: 10 }, (_, z) => ({ id: `z${z}`, name: `片区${z}`, ackTimeout: '10m' }));
  const units = zones.flatMap((z, zi) =>
    Array.from({ length: 10 }, (_, u) => ({
      id: `U${zi}${u}`,
      name: `单位${zi}${u}`,
      zone: z.id,
      kind: 'residential',
    })),
  );
  const ids = Array.from({ length: devices }, (_, i) => `D${String(i).padStart(5, '0')}`);
  const config = {
    site: { id: 'many', name: '万台设备', timezone: 'Asia/Shanghai' },
    // one alert per device, as these tests count them: no commissioning time, no storm grouping
    gateway: { supervision: { commissioning: '0s' }, alerts: { storm: { count: 0 } } },
    zones,
    units,
    devices: ids.map((id, i) => ({ id, kind: 'panic', unit: units[i % units.length]?.id, heartbeat })),
    consoles: [{ id: 'U00-duty', unit: 'U00', password_hash: hash }],
    operators: [{ id: 'tech1', role: 'technician', password_hash: hash }],
  };
  return { yaml: stringify(config), devices: ids };
}
