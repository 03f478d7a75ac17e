/**
 * `guardpost passwd`: read a password from stdin (first line), print the
 * `password_hash` value for the site config. Works piped
 * (`echo -n pw | guardpost passwd`) or typed at a terminal, where the
 * terminal is put in raw mode so the password is not echoed.
 */
import { StringDecoder } from 'node:string_decoder';
import { hashPassword } from '../auth/password.js';

export async function runPasswd(
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const tty = input as NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  let password: string;
  if (tty.isTTY && typeof tty.setRawMode === 'function') {
    err.write('password (not shown, ends at Enter): ');
    const typed = await readHidden(tty as NodeJS.ReadableStream & { setRawMode: (raw: boolean) => unknown });
    err.write('\n');
    if (typed === null) {
      err.write('guardpost passwd: cancelled\n');
      return 130;
    }
    password = typed;
  } else {
    password = await readFirstLine(input);
  }
  if (password === '') {
    err.write('guardpost passwd: empty password refused (type it on the first line of stdin)\n');
    return 1;
  }
  out.write(`${await hashPassword(password)}\n`);
  return 0;
}

/** The first line of a stream, without its line ending; stops reading at the first newline. */
function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const decoder = new StringDecoder('utf8');
    const done = (text: string) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      resolve(text.replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      buf += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf + decoder.end());
    const onError = (e: Error) => reject(e);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/**
 * Read one line from a terminal in raw mode, echoing nothing. Backspace edits,
 * Enter ends, Ctrl-C / Ctrl-D on an empty line cancel (null).
 */
function readHidden(
  input: NodeJS.ReadableStream & { setRawMode: (raw: boolean) => unknown },
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    const finish = (value: string | null): void => {
      input.off('data', onData);
      input.off('error', onError);
      input.setRawMode(false);
      input.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      const s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') {
          finish(text);
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && text === '')) {
          finish(null);
          return;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    const onError = (e: Error): void => {
      input.setRawMode(false);
      reject(e);
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.on('error', onError);
    input.resume();
  });
}
