/** The journal's room (ingest/room.ts): reserve below the cap, and the disk ballast freed when the disk fills. */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JournalRoom } from '../../gateway/src/ingest/room.js';

const log = pino({ level: 'silent' });
const MB = 1024 * 1024;
const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

describe('JournalRoom', () => {
  it('refuses bulk above cap − reserve, and accepts it again below', () => {
    let used = 0;
    const room = new JournalRoom({
      capBytes: 10 * MB,
      reserveBytes: 2 * MB,
      ballastPath: null,
      ballastBytes: 0,
      usedBytes: () => used,
      logger: log,
    });
    expect(room.bulkAllowed()).toBe(true);
    used = 8 * MB;
    expect(room.bulkAllowed()).toBe(false);
    expect(room.state).toBe('reserve');
    // at the cap SQLite says "full" too: that is not the disk, nothing to free
    expect(room.onFull(full)).toBe(false);
    used = 7 * MB; // retention freed pages
    expect(room.bulkAllowed()).toBe(true);
  });

  it('on a full disk frees its ballast once, refuses bulk until the disk has room, then lays it again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-room-'));
    const ballast = join(dir, 'journal.reserve');
    let free = 100 * MB;
    let now = 0;
    const room = new JournalRoom({
      capBytes: 1000 * MB,
      reserveBytes: 10 * MB,
      ballastPath: ballast,
      ballastBytes: MB,
      usedBytes: () => 5 * MB,
      freeBytes: () => free,
      logger: log,
      now: () => now,
    });
    expect(statSync(ballast).size).toBe(MB);
    free = 0;
    expect(room.onFull(new Error('SQLITE_BUSY'))).toBe(false); // not a full disk
    expect(room.onFull(full)).toBe(true); // freed: the caller retries its alarms
    expect(existsSync(ballast)).toBe(false);
    expect(room.onFull(full)).toBe(false); // nothing left to free
    expect(room.bulkAllowed()).toBe(false);
    expect(room.state).toBe('disk-full');
    free = 50 * MB;
    now += 1000;
    expect(room.bulkAllowed()).toBe(true);
    expect(statSync(ballast).size).toBe(MB);
  });
});
