/** A checkpoint reader: a handheld wand reading tags, or a reader fixed at a checkpoint reading guard cards. */
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import { DeviceSim, type DeviceSimOptions, type LinkOptions, openLink } from './base.js';

export class ReaderSim extends DeviceSim {
  static async open(link: LinkOptions, opts: DeviceSimOptions = {}): Promise<ReaderSim> {
    return new ReaderSim(await openLink(link), opts);
  }

  /** One card or tag read. `uid` as the reader prints it (separators and lower case are fine). */
  tap(uid: string): Promise<DeviceMessage> {
    return this.emit({ kind: 'tap', device: this.id, uid, seq: this.nextSeq(), ts: this.ts() });
  }
}
