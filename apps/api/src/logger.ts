import { pino, type DestinationStream, type Logger } from 'pino';

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'leaseToken',
  '*.leaseToken',
  'secret',
  '*.secret',
  'passwordHash',
  '*.passwordHash',
  'tokenHash',
  '*.tokenHash',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'variables',
  '*.variables',
];

/** JSON lines to stdout (or `destination`), with secrets redacted wherever they appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Appends log lines to a file, synchronously (nothing is lost when the process exits). The API
 * tests write every server's log there and then search it for the secrets they made.
 */
export function fileDestination(file: string): DestinationStream {
  return pino.destination({ dest: file, append: true, sync: true, mkdir: true });
}
