import { pino, type DestinationStream, type Logger } from 'pino';

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'passwordHash',
  '*.passwordHash',
  'tokenHash',
  '*.tokenHash',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'variables',
];

/** JSON lines to stdout (or `destination`), with secrets redacted wherever they appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
