/**
 * Structured logging (pino): one event per line, fields not prose, secrets redacted.
 * Parts of tickgate take a Logger in their options and default to a silent one, so the library
 * never prints unless the application asks it to.
 */
import { pino, type Logger as PinoLogger, type LoggerOptions, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_KEYS = [
  'apiKey', 'apiSecret', 'secret', 'token', 'password', 'listenKey', 'authorization', 'signature',
] as const;

const REDACT_PATHS = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerSettings {
  readonly level?: string;
  readonly name?: string;
}

/**
 * `file`: append JSON lines to that file instead of stdout. It is reopened on SIGHUP, so external
 * rotation (logrotate, or `mv` then `kill -HUP`) works without losing lines.
 */
export function createLogger(settings: LoggerSettings = {}, destination?: DestinationStream, file?: string | null): Logger {
  if (!destination && file) {
    const dest = pino.destination({ dest: file, mkdir: true, sync: false });
    process.on('SIGHUP', () => dest.reopen());
    destination = dest;
  }
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    name: settings.name ?? 'tickgate',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Strip credentials from a URL before it goes into a log line, metric or error. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = u.username ? '***' : ''; u.password = u.password ? '***' : ''; }
    for (const key of [...u.searchParams.keys()]) {
      if (/key|token|secret|sig|password|auth/i.test(key)) u.searchParams.set(key, '***');
    }
    // listenKey-style secrets travel as the last path segment of private stream URLs.
    u.pathname = u.pathname.replace(/\/ws\/[A-Za-z0-9]{40,}$/, '/ws/***');
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
