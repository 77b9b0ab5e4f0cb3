/**
 * Errors of the Binance-compatible endpoint: a class with a stable `code` for tickgate's logs, and
 * the Binance code/message pair the client sees (WebSocket request errors use Binance's small
 * positive codes 0-3; REST errors its negative codes such as -1121).
 */
import { TickgateError } from '../../model/errors.js';

export class CompatError extends TickgateError {
  constructor(
    code: string,
    message: string,
    /** Binance's numeric code shown to the client. */
    readonly binanceCode: number,
    /** HTTP status for REST answers. */
    readonly status = 400,
  ) {
    super(code, message, { context: { binanceCode }, retryable: false });
  }

  /** The body Binance sends: `{"code":-1121,"msg":"Invalid symbol."}`. */
  restBody(): { code: number; msg: string } {
    return { code: this.binanceCode, msg: this.message };
  }
}

/** WebSocket request errors, as Binance's stream API sends them. */
export const WS_ERR = {
  unknownProperty: (key: string) => new CompatError('E_COMPAT_UNKNOWN_PROPERTY', `Unknown property: ${key}`, 0),
  invalidValue: (what: string) => new CompatError('E_COMPAT_INVALID_VALUE', `Invalid value type: expected ${what}`, 1),
  invalidRequest: (why: string) => new CompatError('E_COMPAT_INVALID_REQUEST', `Invalid request: ${why}`, 2),
  invalidJson: () => new CompatError('E_COMPAT_INVALID_JSON', 'Invalid JSON: expected value at line 1 column 1', 3),
} as const;

export const REST_ERR = {
  invalidSymbol: () => new CompatError('E_COMPAT_INVALID_SYMBOL', 'Invalid symbol.', -1121),
  badLimit: (range: string) => new CompatError('E_COMPAT_BAD_PARAM', `Illegal characters found in parameter 'limit'; legal range is '${range}'.`, -1100),
  badParam: (name: string) => new CompatError('E_COMPAT_BAD_PARAM', `Illegal characters found in parameter '${name}'.`, -1100),
  mandatory: (name: string) => new CompatError('E_COMPAT_MISSING_PARAM', `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`, -1102),
  badInterval: () => new CompatError('E_COMPAT_BAD_INTERVAL', 'Invalid interval.', -1120),
  signed: () => new CompatError('E_COMPAT_SIGNED_REFUSED', 'tickgate serves market data only: signed and account endpoints are not forwarded; call Binance directly for them.', -1002, 401),
  weight: (limit: number) => new CompatError('E_COMPAT_WEIGHT', `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`, -1003, 429),
  upstream: (why: string) => new CompatError('E_COMPAT_UPSTREAM', `Internal error; unable to process your request. Please try again. (${why})`, -1001, 502),
} as const;
