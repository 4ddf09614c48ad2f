// Where each key of a JSON text sits, and which keys repeat within one object: what
// upstream's strict decoder (sigs.k8s.io/json) reports as `duplicate field "spec.x"` and the
// order it reports its errors in. JSON.parse keeps the last of repeated keys and says nothing.

export interface JsonKeys {
  /** Keys repeated within their object, once each, with the offset of the first repeat. */
  duplicates: Array<{ path: string; offset: number }>;
  /** Path (`spec.containers[0].name`) → offset of its first key in the text. */
  offsets: Map<string, number>;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * What a scan of a JSON text reports: each key with the path of its value, its offset and
 * whether its object had it already; each value that is neither a string, an object nor a list,
 * as written.
 */
interface JsonVisitor {
  key?(path: string, key: string, offset: number, repeated: boolean): void;
  scalar?(path: string, token: string): void;
}

/** Walks `text` in document order; a malformed text is walked up to the fault. */
function scanJson(text: string, visitor: JsonVisitor): void {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && WS.has(text[i] ?? '')) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Error('key expected');
        const at = i;
        const key = string();
        const p = path === '' ? key : `${path}.${key}`;
        visitor.key?.(p, key, at, seen.has(key));
        seen.add(key);
        ws();
        if (text[i] !== ':') throw new Error('colon expected');
        i++;
        value(p);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw new Error('comma expected');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value(`${path}[${index}]`);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw new Error('comma expected');
      }
    } else if (c === '"') {
      string();
    } else {
      const start = i;
      while (i < text.length && !/[\s,\]}]/.test(text[i] ?? '')) i++;
      visitor.scalar?.(path, text.slice(start, i));
    }
  };
  try {
    value('');
  } catch {
    // The body parser reports malformed JSON; what was scanned is still right.
  }
}

/** Scans `text`; a malformed text yields what was read before the fault. */
export function jsonKeys(text: string): JsonKeys {
  const duplicates = new Map<string, number>();
  const offsets = new Map<string, number>();
  scanJson(text, {
    key(path, _key, offset, repeated) {
      if (repeated && !duplicates.has(path)) duplicates.set(path, offset);
      if (!offsets.has(path)) offsets.set(path, offset);
    },
  });
  return {
    duplicates: [...duplicates].map(([path, offset]) => ({ path, offset })),
    offsets,
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/**
 * Whether some object of `text` repeats a key: jsonKeys' duplicates are non-empty exactly when
 * this is true (for well-formed JSON). One pass over character codes that builds no paths, for
 * the common body without repeats; a malformed text may answer either way (jsonKeys decides).
 */
export function hasDuplicateKeys(text: string): boolean {
  // The keys seen so far in each open object (undefined for an array), innermost last: a list
  // while short, a set once long (a ConfigMap of many keys).
  const open: Array<string[] | Set<string> | undefined> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      const keys = open[open.length - 1];
      if (keys === undefined) continue;
      // A string is a key when the next significant character is a colon.
      let j = i + 1;
      while (j < n && text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) !== COLON) continue;
      const raw = text.slice(start + 1, i);
      let key = raw;
      if (escaped) {
        try {
          key = JSON.parse(`"${raw}"`) as string;
        } catch {
          return true;
        }
      }
      if (Array.isArray(keys)) {
        if (keys.includes(key)) return true;
        keys.push(key);
        if (keys.length > 32) open[open.length - 1] = new Set(keys);
      } else {
        if (keys.has(key)) return true;
        keys.add(key);
      }
    } else if (c === OPEN_BRACE) {
      open.push([]);
    } else if (c === OPEN_BRACKET) {
      open.push(undefined);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop();
    }
  }
  return false;
}

/**
 * A number token of a JSON text followed by the end of its value, written with a fraction, an
 * exponent or sixteen digits or more: what may read back differently from JSON.parse's number.
 * A value in a string is not followed by a comma or bracket, so an image tag (`"nginx:1.25"`)
 * does not match; the rare false match costs only the scan.
 */
const ODD_NUMBER = /[:,[]\s*-?(?:\d+(?:\.\d+)?[eE][-+]?\d+|\d+\.\d+|\d{16,})\s*[,}\]]/;

/**
 * The number literals of a JSON text that JSON.parse does not give back as written (`3.0`,
 * `1e3`, `12345678901234567890`), by path (`spec.containers[0].ports[0].containerPort`), as Go's
 * decoder sees them: `3.0` is no integer to it. Undefined for the common text without one (one
 * regular expression test); a malformed text yields what was read before the fault. Of a key
 * repeated in its object, the last value's literal counts, as JSON.parse keeps the last value.
 */
export function numberLiterals(text: string): Map<string, string> | undefined {
  if (!ODD_NUMBER.test(text)) return undefined;
  const out = new Map<string, string>();
  scanJson(text, {
    scalar(path, token) {
      const c = token[0];
      if (c !== '-' && (c === undefined || c < '0' || c > '9')) return;
      if (String(Number(token)) !== token) out.set(path, token);
      else out.delete(path);
    },
  });
  return out.size > 0 ? out : undefined;
}
