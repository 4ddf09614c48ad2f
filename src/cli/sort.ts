// kubectl get --sort-by (kubectl's cmd/get/sorter.go): the first value a JSONPath selects in each
// object orders them, numbers numerically, quantities by amount, other strings
// in byte order (so RFC 3339 timestamps sort by time); objects without the field come first.
// Checked against kubectl 1.32: "a10" sorts before "a9", "2" before "900" before "1Ki".
import { quantityNanos } from '../api/quantity.js';
import { CliError } from './cluster.js';
import { jsonPathResults, relaxedJsonPath } from './jsonpath.js';

/** Go's string order: bytes of the UTF-8 form. */
function bytesLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

function quantity(s: string): bigint | undefined {
  if (s.trim() !== s) return undefined;
  try {
    return quantityNanos(s);
  } catch {
    return undefined;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : typeof v;
}

/** isLess on two decoded JSON values (Go's interface case of the sorter). */
function isLess(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === null && b !== null;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) === Number.isInteger(b)) return a < b;
  } else if (typeof a === 'string' && typeof b === 'string') {
    const qa = quantity(a);
    const qb = qa === undefined ? undefined : quantity(b);
    return qa !== undefined && qb !== undefined ? qa < qb : bytesLess(a, b);
  } else if (typeof a === 'number' || typeof a === 'string') {
    throw new CliError('unsortable interface: interface');
  }
  if (typeof a !== 'number') throw new CliError(`unsortable type: ${typeName(a)}`);
  throw new CliError('unsortable interface: interface');
}

/**
 * `items` in kubectl's --sort-by order of `field` (as given on the command line). Throws
 * kubectl's error when no item has the field. Go's sort.Sort is an insertion sort up to 12
 * items, which the same (not strictly ordered) comparison reproduces exactly; longer lists use
 * a stable sort.
 */
export function sortByField<T>(items: T[], field: string, objectOf: (t: T) => unknown): T[] {
  if (items.length === 0) return items;
  const path = relaxedJsonPath(field);
  const keyed = items.map((item) => {
    const first = jsonPathResults(path, objectOf(item))[0];
    return { item, has: first !== undefined && first.length > 0, key: first?.[0] };
  });
  if (!keyed.some((k) => k.has)) {
    throw new CliError(`couldn't find any field with path "${path}" in the list of objects`);
  }
  const less = (x: (typeof keyed)[number], y: (typeof keyed)[number]): boolean => {
    if (!x.has) return true;
    if (!y.has) return false;
    return isLess(x.key, y.key);
  };
  if (keyed.length <= 12) {
    for (let i = 1; i < keyed.length; i++) {
      for (let j = i; j > 0 && less(keyed[j]!, keyed[j - 1]!); j--) {
        [keyed[j], keyed[j - 1]] = [keyed[j - 1]!, keyed[j]!];
      }
    }
  } else {
    keyed.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
  }
  return keyed.map((k) => k.item);
}
