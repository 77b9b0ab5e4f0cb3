/**
 * Parsing of the JSON requests a Binance stream client sends (SUBSCRIBE, UNSUBSCRIBE,
 * LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY) with Binance's error answers for malformed
 * ones. Pure: text in, a request or the error frame out.
 */
import { WS_ERR, type CompatError } from './errors.js';

export type RequestId = number | string | null;

export type StreamRequest =
  | { readonly method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; readonly id: RequestId; readonly params: readonly string[] }
  | { readonly method: 'LIST_SUBSCRIPTIONS'; readonly id: RequestId }
  | { readonly method: 'SET_PROPERTY'; readonly id: RequestId; readonly combined: boolean }
  | { readonly method: 'GET_PROPERTY'; readonly id: RequestId };

export type ParsedRequest = { readonly ok: true; readonly request: StreamRequest } | { readonly ok: false; readonly id: RequestId; readonly error: CompatError };

const ID_STRING_RE = /^[A-Za-z0-9_-]{1,36}$/;
const METHODS = '`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`';

export function parseRequest(text: string): ParsedRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: WS_ERR.invalidJson() };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, id: null, error: WS_ERR.invalidRequest('request must be an object') };
  const r = raw as Record<string, unknown>;
  const id = r.id ?? null;
  const idOk = id === null || (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && ID_STRING_RE.test(id));
  if (!idOk) return { ok: false, id: null, error: WS_ERR.invalidRequest('request ID must be an unsigned integer') };
  const rid = id as RequestId;
  for (const key of Object.keys(r)) {
    if (key !== 'method' && key !== 'params' && key !== 'id') return { ok: false, id: rid, error: WS_ERR.unknownProperty(key) };
  }
  const params = r.params;
  switch (r.method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      if (!Array.isArray(params) || !params.every((p): p is string => typeof p === 'string')) {
        return { ok: false, id: rid, error: WS_ERR.invalidRequest('invalid type: expected a sequence of strings for "params"') };
      }
      return { ok: true, request: { method: r.method, id: rid, params } };
    case 'LIST_SUBSCRIPTIONS':
      return { ok: true, request: { method: 'LIST_SUBSCRIPTIONS', id: rid } };
    case 'SET_PROPERTY':
      if (!Array.isArray(params) || params[0] !== 'combined') return { ok: false, id: rid, error: WS_ERR.invalidRequest('unknown property') };
      if (typeof params[1] !== 'boolean') return { ok: false, id: rid, error: WS_ERR.invalidValue('Boolean') };
      return { ok: true, request: { method: 'SET_PROPERTY', id: rid, combined: params[1] } };
    case 'GET_PROPERTY':
      if (!Array.isArray(params) || params[0] !== 'combined') return { ok: false, id: rid, error: WS_ERR.invalidRequest('unknown property') };
      return { ok: true, request: { method: 'GET_PROPERTY', id: rid } };
    default:
      return { ok: false, id: rid, error: WS_ERR.invalidRequest(`unknown variant \`${String(r.method)}\`, expected one of ${METHODS}`) };
  }
}

/** `{"result":...,"id":N}` */
export function resultFrame(result: unknown, id: RequestId): string {
  return JSON.stringify({ result, id });
}

/** `{"error":{"code":2,"msg":"..."},"id":N}` */
export function errorFrame(error: CompatError, id: RequestId): string {
  return JSON.stringify({ error: { code: error.binanceCode, msg: error.message }, id });
}
