/**
 * Exact decimals from JSON numbers. The equities feed sends prices as JSON numbers
 * ({"p":227.31}); JSON.parse would turn them into floats. We read the number's source text from
 * the frame instead: a small scanner walks the (already validated) JSON, and for every object at
 * `keyDepth` records the raw text of its top-level number values. Exponent forms ("1.5e-7") are
 * rewritten to plain decimals by moving the point in the digit string, never through a float.
 */

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Raw number texts per object. keyDepth 1: the root object (one map); keyDepth 2: each object
 * in a root array (one map per element, in order). `keys` limits what is recorded (all when
 * omitted). Only call on text that JSON.parse accepted.
 */
export function numberTexts(json: string, keyDepth: 1 | 2, keys?: readonly string[]): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let depth = 0;
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  let expectValue = false;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === 34 /* " */) {
      // Jump to the closing quote, skipping escaped ones.
      let j = json.indexOf('"', i + 1);
      while (j > 0) {
        let bs = 0;
        for (let k = j - 1; json.charCodeAt(k) === 92; k--) bs++;
        if ((bs & 1) === 0) break;
        j = json.indexOf('"', j + 1);
      }
      if (j < 0) j = n;
      if (depth === keyDepth && !expectValue) {
        const key = json.slice(i + 1, j);
        lastKey = keys === undefined || keys.includes(key) ? key : null;
      }
      expectValue = false;
      i = j;
    } else if (c === 58 /* : */) {
      expectValue = depth === keyDepth && lastKey !== null;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      expectValue = false;
      if (c === 123 && depth === keyDepth) {
        current = new Map();
        out.push(current);
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    } else if (c === 44 /* , */) {
      expectValue = false;
    } else if (expectValue && (c === 45 || (c >= 48 && c <= 57))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(json);
      if (m && current && lastKey !== null) current.set(lastKey, plainDecimal(m[0]));
      i += (m?.[0].length ?? 1) - 1;
      expectValue = false;
    }
  }
  return out;
}

/**
 * Fast path for a flat object (no nested object, no escape): a `"key":` there can only be a
 * top-level key, because a string without backslashes cannot contain a quote. Returns null when
 * the frame is not flat (use numberTexts) or the key has no number value.
 */
export function flatNumberText(json: string, key: string): string | null | undefined {
  if (json.charCodeAt(0) !== 123 || json.indexOf('{', 1) >= 0 || json.indexOf('\\') >= 0) return undefined;
  const at = json.indexOf(`"${key}":`);
  if (at < 0) return null;
  NUMBER_RE.lastIndex = at + key.length + 3;
  const m = NUMBER_RE.exec(json);
  return m ? plainDecimal(m[0]) : null;
}

/** "1.5e-7" -> "0.00000015", "2E+3" -> "2000"; plain decimals pass through unchanged. */
export function plainDecimal(text: string): string {
  const e = text.search(/[eE]/);
  if (e < 0) return text;
  const exp = Number(text.slice(e + 1));
  let mant = text.slice(0, e);
  const neg = mant.startsWith('-');
  if (neg) mant = mant.slice(1);
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  let point = (dot < 0 ? mant.length : dot) + exp;
  let s: string;
  if (point <= 0) s = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) s = digits + '0'.repeat(point - digits.length);
  else s = `${digits.slice(0, point)}.${digits.slice(point)}`;
  s = s.replace(/^0+(?=\d)/, '');
  point = s.indexOf('.');
  if (point >= 0) s = s.replace(/\.?0+$/, '');
  return neg && s !== '0' ? `-${s}` : s;
}
