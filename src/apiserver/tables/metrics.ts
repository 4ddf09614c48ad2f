// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, as metrics-server's ConvertToTable prints
// them (pkg/api/table.go: addNodeMetricsToTable, addPodMetricsToTable): Name, one "quantity"
// column per resource named in the first object's usage (sorted), then Window. A pod's usage is
// the sum of its containers'. Without objects there are no columns at all.

import type { KubeObject } from '../../api/types.js';
import { formatBinaryBytes, formatNanoCores, quantityNanos } from '../../api/quantity.js';
import { column } from './columns.js';
import { arr, rec, str } from './fields.js';
import type { TablePrinter } from './table.js';

/** Sums quantities as Quantity.Add does, printing the sum in the canonical form of its format. */
function sumQuantities(resource: string, values: string[]): string {
  let nanos = 0n;
  for (const v of values) {
    try {
      nanos += quantityNanos(v);
    } catch {
      // An unparseable usage adds nothing, as a zero Quantity would.
    }
  }
  // kbox's metrics carry cpu (DecimalSI, from nanocores) and memory (BinarySI, from bytes).
  if (resource === 'memory') return formatBinaryBytes(Number(nanos / 1_000_000_000n));
  return formatNanoCores(Number(nanos));
}

/** The usage a row prints: the node's own, or the per-resource sum over a pod's containers. */
function usageOf(kind: 'NodeMetrics' | 'PodMetrics', obj: KubeObject): Map<string, string> {
  if (kind === 'NodeMetrics') {
    return new Map(Object.entries(rec(obj['usage'])).map(([k, v]) => [k, str(v)]));
  }
  const perResource = new Map<string, string[]>();
  for (const c of arr(obj['containers'])) {
    for (const [k, v] of Object.entries(rec(rec(c)['usage']))) {
      perResource.set(k, [...(perResource.get(k) ?? []), str(v)]);
    }
  }
  return new Map([...perResource].map(([k, vs]) => [k, sumQuantities(k, vs)]));
}

/** The printer for one metrics list (or single object): its columns come from `items[0]`. */
export function metricsPrinter(
  kind: 'NodeMetrics' | 'PodMetrics',
  items: readonly KubeObject[],
): TablePrinter {
  const first = items[0];
  const names = first === undefined ? [] : [...usageOf(kind, first).keys()].sort();
  return {
    columns:
      first === undefined
        ? []
        : [
            { ...column('Name', 'string', 'Name of the resource'), format: 'name' },
            ...names.map((n) => ({ ...column(n, 'string', ''), format: 'quantity' })),
            { ...column('Window', 'string', ''), format: 'duration' },
          ],
    row(obj) {
      const usage = usageOf(kind, obj);
      // A resource missing from this object's usage prints as the zero Quantity.
      const cells = names.map((n) => usage.get(n) ?? '0');
      return { cells: [obj.metadata.name ?? '', ...cells, str(obj['window'])] };
    },
  };
}
