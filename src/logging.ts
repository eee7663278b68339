/**
 * pino, JSON lines in production and readable in a terminal. Two layers keep secrets out: path redaction for
 * fields that hold them by name, and a last-moment scrub of every known secret value (bot tokens, the
 * encryption secret, each API key the bot has handled) from the finished line, whatever field it hid in.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** Secret values the logger must never print. Short values are ignored: they would mangle ordinary text. */
export class SecretRegistry {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  /** Replaces every known secret in `text` with `[REDACTED]`. */
  scrub(text: string): string {
    let clean = text;
    for (const secret of this.secrets) {
      if (clean.includes(secret)) clean = clean.replaceAll(secret, '[REDACTED]');
      // Secrets can reach a line JSON-escaped; keys and tokens rarely contain escapable characters, but check.
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && clean.includes(escaped)) clean = clean.replaceAll(escaped, '[REDACTED]');
    }
    return clean;
  }
}

/** Field paths redacted by name, wherever pino meets them. */
export const REDACTED_PATHS = [
  'api_key',
  'apiKey',
  'key',
  'token',
  'password',
  'secret',
  'authorization',
  '*.api_key',
  '*.apiKey',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.signingSecret',
  '*.botToken',
  '*.appToken',
  'input.api_key',
  '*.input.api_key',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Options for `createLogger`. */
export interface LoggerOptions {
  level: string;
  secrets: SecretRegistry;
  /** Readable output; defaults to true when the output is a terminal. */
  pretty?: boolean;
  /** 1 (stdout, the default) or 2 (stderr, when stdout carries replies). */
  fd?: 1 | 2;
  /** A stream that replaces the file descriptor (tests pass a collecting stream). */
  destination?: DestinationStream;
}

/** Builds the process logger. */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const readable = options.pretty ?? Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
  const destination =
    options.destination ??
    (readable
      ? pretty({
          colorize: true,
          sync: true,
          destination: fd,
          translateTime: 'HH:MM:ss',
          ignore: 'pid,hostname,service',
        })
      : pino.destination({ dest: fd, sync: false }));
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: (line) => options.secrets.scrub(line) },
      base: { service: 'skidio-bot' },
    },
    destination,
  );
}
