/**
 * The handshake answer of the push protocol (`GET /iclock/cdata?SN=…&options=all`):
 * the option block a terminal reads to know when and what to upload
 * (docs/zkpush.md lists each option and why it has this value). Pure.
 */
import { DateTime } from 'luxon';

export interface HandshakeOptions {
  sn: string;
  /** The last ATTLOG Stamp this terminal reported, or null: "None" (upload what you have). */
  attlogStamp: string | null;
  /** Site time zone: TimeZone= is its UTC offset now, in hours. */
  zone: string;
  now: number;
  /** Seconds between polls of getrequest (Delay=). */
  delayS: number;
}

/** Hours east of UTC, as terminals take it (8 for Asia/Shanghai, 5.5 for Asia/Kolkata). */
export function utcOffsetHours(zone: string, now: number): number {
  return DateTime.fromMillis(now, { zone }).offset / 60;
}

export function handshakeText(o: HandshakeOptions): string {
  return [
    `GET OPTION FROM: ${o.sn}`,
    `ATTLOGStamp=${o.attlogStamp ?? 'None'}`,
    // operation logs, photos and enrolment data are not wanted: ask for none of the old ones
    'OPERLOGStamp=9999',
    'ATTPHOTOStamp=9999',
    'ErrorDelay=30',
    `Delay=${o.delayS}`,
    'TransTimes=00:00;14:05',
    'TransInterval=1',
    // attendance records only (older firmware reads the 10-digit form, newer the names)
    'TransFlag=TransData AttLog',
    `TimeZone=${utcOffsetHours(o.zone, o.now)}`,
    'Realtime=1',
    'Encrypt=0',
    'ServerVer=2.4.1',
    'PushProtVer=2.4.1',
  ].join('\n');
}
