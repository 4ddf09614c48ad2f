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
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : typeof v;
}

/** Go's isLess failing: kubectl stops there with klog.Exitf. */
class Unsortable extends Error {}

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
    throw new Unsortable('unsortable interface: interface');
  }
  if (typeof a !== 'number') throw new Unsortable(`unsortable type: ${typeName(a)}`);
  throw new Unsortable('unsortable interface: interface');
}

/** A klog line as klog.Exitf prints it, e.g. `F1203 11:47:54.280243   24868 sorter.go:329] ...`. */
function klogFatal(file: string, message: string): string {
  const d = new Date();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const micros = String(d.getMilliseconds() * 1000).padStart(6, '0');
  const time = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${micros}`;
  return `F${p2(d.getMonth() + 1)}${p2(d.getDate())} ${time} ${String(process.pid).padStart(7)} ${file}] ${message}\n`;
}

export interface SortOptions {
  /**
   * Which of kubectl's sorters runs: `objects` (RuntimeSort, over whole objects; a bad path is
   * an error) or `table` (TableSorter, over the objects in a Table's rows; a path kubectl cannot
   * relax is used as given).
   */
  site: 'objects' | 'table';
  lenient?: boolean;
}

/**
 * `items` in kubectl's --sort-by order of `field` (as given on the command line). Throws
 * kubectl's error when no item has the field. Go's sort.Sort is an insertion sort up to 12
 * items, which the same (not strictly ordered) comparison reproduces exactly; longer lists use
 * a stable sort.
 */
export function sortByField<T>(
  items: T[],
  field: string,
  objectOf: (t: T) => unknown,
  opts: SortOptions,
): T[] {
  if (items.length === 0) return items;
  let path: string;
  try {
    path = relaxedJsonPath(field);
  } catch (err) {
    if (!opts.lenient) throw err;
    path = field;
  }
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
  try {
    if (keyed.length <= 12) {
      for (let i = 1; i < keyed.length; i++) {
        for (let j = i; j > 0 && less(keyed[j]!, keyed[j - 1]!); j--) {
          [keyed[j], keyed[j - 1]] = [keyed[j - 1]!, keyed[j]!];
        }
      }
    } else {
      keyed.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
    }
  } catch (err) {
    if (!(err instanceof Unsortable)) throw err;
    const [file, holder] =
      opts.site === 'table'
        ? ['sorter.go:375', '[][][]reflect.Value']
        : ['sorter.go:329', '*unstructured.Unstructured'];
    process.stderr.write(
      klogFatal(
        file,
        `Field ${path} in ${holder} is an unsortable type: interface, err: ${err.message}`,
      ),
    );
    throw new CliError('');
  }
  return keyed.map((k) => k.item);
}
