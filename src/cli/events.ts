// The event view: kubectl events' columns (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), newest
// last. On a colour terminal, warnings stand out, normal events stay quiet, and repeats are
// folded into one line with a count.
import { Chalk, type ChalkInstance } from 'chalk';
import type { KubeObject } from '../api/types.js';
import { shortAge } from './table.js';

export interface EventRow {
  key: string;
  time: string;
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

type Json = Record<string, unknown>;

/** The moment an event last happened: series, lastTimestamp, eventTime, then creation. */
export function eventTime(ev: KubeObject): string {
  const e = ev as Json;
  const series = e.series as { lastObservedTime?: string } | undefined;
  return (
    series?.lastObservedTime ??
    (e.lastTimestamp as string | undefined) ??
    (e.eventTime as string | undefined) ??
    ev.metadata.creationTimestamp ??
    new Date(0).toISOString()
  );
}

export function toRow(ev: KubeObject): EventRow {
  const e = ev as Json;
  const io = (e.involvedObject ?? e.regarding ?? {}) as { kind?: string; name?: string };
  const series = e.series as { count?: number } | undefined;
  return {
    key: `${ev.metadata.namespace ?? ''}/${ev.metadata.name ?? ''}`,
    time: eventTime(ev),
    type: String(e.type ?? 'Normal'),
    reason: String(e.reason ?? ''),
    // kubectl events writes Kind/name (kubectl get events the lower-case form).
    object: `${String(io.kind ?? '')}/${io.name ?? ''}`,
    message: String(e.message ?? e.note ?? '').trim(),
    count: Number(series?.count ?? e.count ?? 1),
  };
}

export function colorsWanted(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export class EventPrinter {
  readonly #chalk: ChalkInstance;
  readonly #color: boolean;
  readonly #now: () => Date;
  /** Column widths: NAMESPACE, LAST SEEN, TYPE, REASON, OBJECT (MESSAGE is last, unpadded). */
  #widths: number[];

  /**
   * As kubectl's tab writer lays them out: columns as wide as their headings (when printed) and
   * at least 3 (its minimum cell of 6 less the padding of 3), growing to fit the rows.
   */
  constructor(color: boolean, now: () => Date = () => new Date(), headings = true) {
    this.#widths = headings ? [9, 9, 4, 6, 6] : [3, 3, 3, 3, 3];
    this.#color = color;
    this.#chalk = new Chalk({ level: color ? 1 : 0 });
    this.#now = now;
  }

  header(withNamespace: boolean): string {
    const cols = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
    if (withNamespace) cols.unshift('NAMESPACE');
    const line = this.#pad(cols, withNamespace);
    return `${this.#color ? this.#chalk.bold(line) : line}\n`;
  }

  #pad(cells: string[], withNamespace: boolean): string {
    const widths = withNamespace ? this.#widths : this.#widths.slice(1);
    return cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(widths[i] ?? 0, c.length))))
      .join('   ');
  }

  /** Widens the columns to fit these rows (so a batch lines up like a table). */
  fit(rows: EventRow[], namespaces: Array<string | undefined> = []): void {
    for (const [i, r] of rows.entries()) {
      const cells = [
        namespaces[i] ?? '',
        shortAge(r.time, this.#now()),
        r.type,
        r.reason,
        r.object,
      ];
      this.#widths = this.#widths.map((w, j) => Math.max(w, cells[j]?.length ?? 0));
    }
  }

  line(r: EventRow, namespace?: string): string {
    const c = this.#chalk;
    const age = shortAge(r.time, this.#now());
    const count = r.count > 1 ? ` (x${r.count})` : '';
    const cells = [age, r.type, r.reason, r.object, `${r.message}${count}`];
    if (namespace !== undefined) cells.unshift(namespace);
    const text = this.#pad(cells, namespace !== undefined);
    if (!this.#color) return `${text}\n`;
    if (r.type === 'Warning') return `${c.yellow.bold(text)}\n`;
    // Normal events: quiet time and type, readable reason and object.
    const parts = text.split(r.reason);
    return `${c.dim(parts[0] ?? '')}${c.cyan(r.reason)}${parts.slice(1).join(r.reason)}\n`;
  }
}
