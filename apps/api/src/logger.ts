import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

export type LogFormat = 'pretty' | 'json';

/**
 * How stdout's lines look: FINETRACK_LOG_FORMAT (`json` or `pretty`) when set, else pretty on a
 * terminal (a person reads it) and JSON lines otherwise (a log collector reads it).
 */
export function logFormat(env: NodeJS.ProcessEnv, isTerminal: boolean): LogFormat {
  const asked = env.FINETRACK_LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new Error(`FINETRACK_LOG_FORMAT must be json or pretty, not ${asked}`);
  return isTerminal ? 'pretty' : 'json';
}

/**
 * Log lines to stdout (or `destination`), with secrets redacted wherever they appear: JSON lines,
 * or with `format` pretty one readable line per event (pino-pretty, in-process and synchronous,
 * so the last lines before an exit are not lost). Redaction runs before either.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (format === 'pretty')
    return pino(
      options,
      pretty({
        colorize: true,
        singleLine: true,
        sync: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
      }),
    );
  return pino(options);
}

/**
 * Appends log lines to a file, synchronously (nothing is lost when the process exits). The API
 * tests write every server's log there and then search it for the secrets they made.
 */
export function fileDestination(file: string): DestinationStream {
  return pino.destination({ dest: file, append: true, sync: true, mkdir: true });
}
