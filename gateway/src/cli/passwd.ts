/**
 * `guardpost passwd`: read a password from stdin (first line), print the
 * `password_hash` value for the site config. Works piped
 * (`echo -n pw | guardpost passwd`) or typed at a terminal.
 */
import { StringDecoder } from 'node:string_decoder';
import { hashPassword } from '../auth/password.js';

export async function runPasswd(
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  // At a terminal, say what is expected (the text is echoed: for a hidden entry use `read -rs`, see docs).
  if ((input as { isTTY?: boolean }).isTTY) err.write('password (ends at Enter): ');
  const password = await readFirstLine(input);
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
