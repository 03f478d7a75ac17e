/** pino: JSON lines in production, pretty when a person watches a terminal. */
import pino, { type Logger } from 'pino';

export function createLogger(level = 'info', pretty = Boolean(process.stdout.isTTY)): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level, base: { service: 'guardpost' } });
}
