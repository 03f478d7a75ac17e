/**
 * libfaketime from Debian's `faketime` package (.ci/run installs it), found in
 * the multiarch library directory of whichever architecture this is. A missing
 * library is a broken setup, not a reason to skip: it fails loudly.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function libfaketime(): string {
  const found = readdirSync('/usr/lib')
    .map((d) => join('/usr/lib', d, 'faketime', 'libfaketime.so.1'))
    .concat('/usr/lib/faketime/libfaketime.so.1')
    .find((p) => existsSync(p));
  if (!found) throw new Error('libfaketime.so.1 not found: apt-get install faketime (.ci/run does)');
  return found;
}
