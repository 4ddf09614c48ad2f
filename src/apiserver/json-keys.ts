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

/** Scans `text`; a malformed text yields what was read before the fault. */
export function jsonKeys(text: string): JsonKeys {
  const duplicates = new Map<string, number>();
  const offsets = new Map<string, number>();
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
        if (seen.has(key) && !duplicates.has(p)) duplicates.set(p, at);
        seen.add(key);
        if (!offsets.has(p)) offsets.set(p, at);
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
      while (i < text.length && !/[\s,\]}]/.test(text[i] ?? '')) i++;
    }
  };
  try {
    value('');
  } catch {
    // The body parser reports malformed JSON; what was scanned is still right.
  }
  return {
    duplicates: [...duplicates].map(([path, offset]) => ({ path, offset })),
    offsets,
  };
}
