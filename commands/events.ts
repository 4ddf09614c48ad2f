import { Flags } from '@oclif/core';
import type { KubeObject } from '../src/api/types.js';
import type { ResourceRef } from '../src/client/rest.js';
import { KubeCommand } from '../src/cli/base.js';
import { colorsWanted, EventPrinter, eventTime, toRow } from '../src/cli/events.js';
import { discover, resolveResource } from '../src/cli/resources.js';

const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };

export default class Events extends KubeCommand {
  static override description =
    "Show the cluster's events, newest last; with -w keep streaming them as they happen";

  static override examples = [
    '<%= config.bin %> events -w',
    '<%= config.bin %> events --for deploy/web --types Warning',
    '<%= config.bin %> events -A',
  ];

  static override flags = {
    watch: Flags.boolean({
      char: 'w',
      description: 'after listing, stream new events',
      default: false,
    }),
    for: Flags.string({ description: 'only events about this object, as TYPE/NAME' }),
    types: Flags.string({
      description: 'only these event types, comma-separated (Normal,Warning)',
    }),
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'events of all namespaces',
      default: false,
    }),
    'no-headers': Flags.boolean({ description: 'omit the header row', default: false }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(Events);
    const target = this.target(flags);
    const client = target.client;
    const ns = flags['all-namespaces'] ? undefined : (flags.namespace ?? target.namespace);
    const selectors: string[] = [];
    if (flags.for) {
      const [t = '', name = ''] = flags.for.split('/');
      const r = resolveResource(await discover(client), t);
      selectors.push(`involvedObject.kind=${r.kind}`, `involvedObject.name=${name}`);
    }
    const types = flags.types ? new Set(flags.types.split(',').map((s) => s.trim())) : undefined;
    const keep = (ev: KubeObject): boolean =>
      types === undefined || types.has(String((ev as { type?: string }).type ?? 'Normal'));
    const fieldSelector = selectors.join(',') || undefined;
    const list = await client.list(EVENTS, ns, { fieldSelector });
    // Timestamps have whole seconds: within one, the order they were recorded in (resourceVersion).
    const events = list.items
      .filter(keep)
      .sort(
        (a, b) =>
          eventTime(a).localeCompare(eventTime(b)) ||
          Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0),
      );
    const printer = new EventPrinter(colorsWanted(process.stdout), undefined, !flags['no-headers']);
    const withNs = flags['all-namespaces'];
    const rows = events.map(toRow);
    printer.fit(
      rows,
      events.map((e) => e.metadata.namespace),
    );
    if (rows.length === 0 && !flags.watch) {
      process.stderr.write(ns ? `No events found in ${ns} namespace.\n` : 'No events found.\n');
      return;
    }
    if (!flags['no-headers']) process.stdout.write(printer.header(withNs));
    for (const [i, r] of rows.entries())
      process.stdout.write(printer.line(r, withNs ? events[i]?.metadata.namespace : undefined));
    if (!flags.watch) return;
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    let rv = list.metadata.resourceVersion ?? '';
    while (!abort.signal.aborted) {
      const outcome = await client.watch(
        EVENTS,
        ns,
        { fieldSelector, resourceVersion: rv },
        (ev) => {
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'DELETED' || ev.type === 'BOOKMARK' || !keep(ev.object)) return;
          process.stdout.write(
            printer.line(toRow(ev.object), withNs ? ev.object.metadata.namespace : undefined),
          );
        },
        abort.signal,
      );
      if (outcome === 'expired') rv = '';
    }
  }
}
