/**
 * Base of every error tickgate throws or reports. `code` is stable (documented in the README);
 * `context` carries what a user needs to act (venue, connection key, url without secrets).
 */
export interface ErrorContext {
  readonly [key: string]: string | number | boolean | null | undefined;
}

export class TickgateError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  /** True when retrying the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    opts: { context?: ErrorContext; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = opts.context ?? {};
    this.retryable = opts.retryable ?? false;
  }

  /** A fatal error will not go away by retrying (bad credentials, unknown symbol, bad config). */
  get fatal(): boolean {
    return !this.retryable;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context, retryable: this.retryable };
  }
}

/** A bad configuration value: names the key, the value and what was expected. */
export class ConfigError extends TickgateError {
  constructor(message: string, context: ErrorContext = {}) {
    super('E_CONFIG', message, { context, retryable: false });
  }
}

export function isTickgateError(err: unknown): err is TickgateError {
  return err instanceof TickgateError;
}

/** A short single-line excerpt of untrusted input for error reports (never a whole frame). */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}…(${flat.length} chars)`;
}
