/**
 * Config is built from layers, later ones winning: schema defaults < profile < file < env < cli.
 * Each leaf remembers the layer that set it, so `tickgate config print` can say where a value came from.
 */
export type ConfigSource = 'default' | 'profile' | 'file' | 'env' | 'cli';

export type PlainObject = { [key: string]: unknown };

export interface Layer {
  readonly source: ConfigSource;
  /** Human name for messages, e.g. the file path or "TICKGATE_PORT". */
  readonly origin: string;
  readonly values: PlainObject;
}

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, arrays and scalars replace. Inputs are not mutated. */
export function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

/** Leaf paths of an object ("a.b.c"); arrays are leaves. */
export function leafPaths(obj: PlainObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, p));
    else out.push(p);
  }
  return out;
}

export function getPath(obj: unknown, path: readonly (string | number | symbol)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number | symbol, unknown>)[key as string];
  }
  return cur;
}

export function setPath(obj: PlainObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    const next = cur[k];
    if (!isPlainObject(next)) cur[k] = {};
    cur = cur[k] as PlainObject;
  }
  cur[keys[keys.length - 1]!] = value;
}

/** Which layer set each leaf; later layers override earlier ones. */
export function trackSources(layers: readonly Layer[]): Map<string, { source: ConfigSource; origin: string }> {
  const sources = new Map<string, { source: ConfigSource; origin: string }>();
  for (const layer of layers) {
    for (const p of leafPaths(layer.values)) {
      // A layer that sets a parent replaces deeper entries from earlier layers.
      for (const existing of [...sources.keys()]) if (existing.startsWith(`${p}.`)) sources.delete(existing);
      sources.set(p, { source: layer.source, origin: layer.origin });
    }
  }
  return sources;
}
