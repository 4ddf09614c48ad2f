// Total readers for the untyped JSON of a KubeObject. Printers must never throw on a malformed or
// partially filled object (a Table request is a read, and the object was already validated on
// write), so every accessor falls back to the JSON zero value, as Go's typed decoding would.

/** A JSON object, or an empty one when `v` is anything else. */
export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** A JSON object, or undefined when absent: for Go pointer-to-struct fields where nil matters. */
export function optRec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A string, or undefined when absent: for Go `*string` fields where nil and "" differ. */
export function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** An integer (Go int32/int64 fields); non-numbers read as 0. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function optInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

export function optBool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A map of strings (labels, selectors, annotations); non-string values are dropped. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) {
    if (typeof val === 'string') out[k] = val;
  }
  return out;
}

/** Number of keys of a JSON object (Go `len(map)`). */
export function mapLen(v: unknown): number {
  return Object.keys(rec(v)).length;
}
