/**
 * A duty-room panic button: press / release, and the periodic heartbeat with
 * battery, signal and tamper every device can send (see DeviceSim).
 */
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import { DeviceSim, type DeviceSimOptions, type LinkOptions, openLink } from './base.js';

export class PanicButtonSim extends DeviceSim {
  static async open(link: LinkOptions, opts: DeviceSimOptions = {}): Promise<PanicButtonSim> {
    return new PanicButtonSim(await openLink(link), opts);
  }

  press(): Promise<DeviceMessage> {
    return this.emit({
      kind: 'panic',
      device: this.id,
      state: 'pressed',
      seq: this.nextSeq(),
      ts: this.ts(),
    });
  }

  release(): Promise<DeviceMessage> {
    return this.emit({
      kind: 'panic',
      device: this.id,
      state: 'released',
      seq: this.nextSeq(),
      ts: this.ts(),
    });
  }
}
