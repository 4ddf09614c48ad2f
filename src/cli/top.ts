// `kbox top nodes|pods`: the same lines kubectl top prints (kubectl's metricsutil printer: CPU in
// millicores rounded up, memory in whole Mi rounded down, percentages of allocatable truncated),
// laid out by a port of the Go tabwriter kubectl uses (min width 6, padding 3, every cell
// tab-terminated, so the last column is padded too).
import { quantityMilli, quantityNanos, quantityValue } from '../api/quantity.js';

/**
 * Lays out tab-terminated cells as Go's text/tabwriter does with padchar ' ' and no flags: a
 * column's width is settled per block of consecutive lines that have a cell in it.
 */
export function tabwrite(text: string, minWidth = 6, padding = 3): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const cells = lines.map((l) => l.split('\t'));
  const width = (s: string): number => [...s].length;
  const widths: number[] = [];
  let out = '';
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = cells[i] ?? [];
      line.forEach((c, j) => {
        out += c;
        if (j < widths.length && j < line.length - 1)
          out += ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(c)));
      });
      out += '\n';
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= (cells[i]?.length ?? 0) - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = minWidth;
      for (; i < line1; i++) {
        const line = cells[i] ?? [];
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column] ?? '') + padding);
      }
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--; // the outer loop's i++ lands on the line that ended the block
    }
    writeLines(line0, line1);
  };
  format(0, cells.length);
  return out;
}

export interface Usage {
  cpu?: string;
  memory?: string;
}

export interface NodeMetricsItem {
  name: string;
  usage: Usage;
}

export interface PodMetricsItem {
  name: string;
  namespace: string;
  containers: Array<{ name: string; usage: Usage }>;
}

export type SortBy = '' | 'cpu' | 'memory';

const milli = (q: string | undefined): bigint => (q === undefined ? 0n : quantityMilli(q));
const value = (q: string | undefined): bigint => (q === undefined ? 0n : quantityValue(q));

/** Usage columns: CPU then memory, each followed by its share of `available` when given. */
function usageCells(u: Usage, available?: Usage): string {
  let s = `${milli(u.cpu)}m\t`;
  if (available?.cpu !== undefined) {
    s += `${Math.trunc((Number(milli(u.cpu)) / Number(milli(available.cpu))) * 100)}%\t`;
  }
  s += `${value(u.memory) / 1048576n}Mi\t`;
  if (available?.memory !== undefined) {
    s += `${Math.trunc((Number(milli(u.memory)) / Number(milli(available.memory))) * 100)}%\t`;
  }
  return s;
}

function sorter<T>(sortBy: SortBy, usage: (x: T) => Usage, name: (x: T) => string) {
  return (a: T, b: T): number => {
    if (sortBy === 'cpu') return Number(milli(usage(b).cpu) - milli(usage(a).cpu));
    if (sortBy === 'memory') return Number(value(usage(b).memory) - value(usage(a).memory));
    return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
  };
}

/** kubectl top node's table; nodes listed in `available` without metrics get `<unknown>`. */
export function printNodeMetrics(
  metrics: NodeMetricsItem[],
  available: Map<string, Usage>,
  opts: { noHeaders: boolean; sortBy: SortBy },
): string {
  if (metrics.length === 0) return '';
  let t = opts.noHeaders ? '' : 'NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t\n';
  const left = new Map(available);
  for (const m of [...metrics].sort(
    sorter<NodeMetricsItem>(
      opts.sortBy,
      (x) => x.usage,
      (x) => x.name,
    ),
  )) {
    t += `${m.name}\t${usageCells(m.usage, available.get(m.name))}\n`;
    left.delete(m.name);
  }
  for (const name of [...left.keys()].sort()) {
    t += `${name}\t${'<unknown>\t'.repeat(4)}\n`;
  }
  return tabwrite(t);
}

const nanos = (q: string | undefined): bigint => (q === undefined ? 0n : quantityNanos(q));

/** A pod's usage: its containers' added exactly (as Quantity.Add), rounded only when printed. */
function podTotal(p: PodMetricsItem): Usage {
  let cpu = 0n;
  let mem = 0n;
  for (const c of p.containers) {
    cpu += nanos(c.usage.cpu);
    mem += nanos(c.usage.memory);
  }
  return { cpu: `${cpu}n`, memory: `${mem}n` };
}

/** kubectl top pod's table, with --containers, -A and --sum as kubectl lays them out. */
export function printPodMetrics(
  metrics: PodMetricsItem[],
  opts: {
    containers: boolean;
    withNamespace: boolean;
    noHeaders: boolean;
    sortBy: SortBy;
    sum: boolean;
  },
): string {
  if (metrics.length === 0) return '';
  let t = '';
  let columns = 3;
  if (!opts.noHeaders) {
    if (opts.withNamespace) {
      t += 'NAMESPACE\t';
      columns++;
    }
    if (opts.containers) {
      t += 'POD\t';
      columns++;
    }
    t += 'NAME\tCPU(cores)\tMEMORY(bytes)\t\n';
  }
  const byName = (a: PodMetricsItem, b: PodMetricsItem): number => {
    if (opts.withNamespace && a.namespace !== b.namespace)
      return a.namespace < b.namespace ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  };
  const sorted = [...metrics].sort(
    opts.sortBy === '' ? byName : sorter<PodMetricsItem>(opts.sortBy, podTotal, (x) => x.name),
  );
  const ns = (p: PodMetricsItem): string => (opts.withNamespace ? `${p.namespace}\t` : '');
  for (const p of sorted) {
    if (opts.containers) {
      const cs = [...p.containers].sort(
        sorter<PodMetricsItem['containers'][number]>(
          opts.sortBy,
          (c) => c.usage,
          (c) => c.name,
        ),
      );
      for (const c of cs) t += `${ns(p)}${p.name}\t${c.name}\t${usageCells(c.usage)}\n`;
    } else {
      t += `${ns(p)}${p.name}\t${usageCells(podTotal(p))}\n`;
    }
  }
  if (opts.sum) {
    let cpu = 0n;
    let mem = 0n;
    for (const p of metrics) {
      const u = podTotal(p);
      cpu += nanos(u.cpu);
      mem += nanos(u.memory);
    }
    t += `${'\t'.repeat(columns - 2)}________\t________\t\n`;
    t += `${'\t'.repeat(columns - 3)}\t${usageCells({ cpu: `${cpu}n`, memory: `${mem}n` })}\n`;
  }
  return tabwrite(t);
}
