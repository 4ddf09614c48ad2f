// Cell formatting shared by several printers, reproducing the apimachinery helpers the upstream
// printers call (labels.FormatLabels, metav1.FormatLabelSelector, ...) character for character.

import { arr, rec, str } from './fields.js';

/** Go's sort.Strings order (byte-wise for the ASCII that label keys and values are made of). */
function goSort(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** labels.FormatLabels: `k=v` pairs sorted as whole strings, comma-joined; empty is `<none>`. */
export function formatLabels(labels: Record<string, string>): string {
  const pairs = goSort(Object.entries(labels).map(([k, v]) => `${k}=${v}`));
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/**
 * metav1.LabelSelectorAsSelector(...).String(). Returns undefined where upstream returns an
 * error (unknown operator, or a value count the operator does not allow); an absent selector and
 * an empty one both print as "".
 */
export function labelSelectorString(selector: unknown): string | undefined {
  if (selector === undefined || selector === null) return '';
  const sel = rec(selector);
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(rec(sel['matchLabels']))) {
    reqs.push({ key, text: `${key}=${str(value)}` });
  }
  for (const raw of arr(sel['matchExpressions'])) {
    const expr = rec(raw);
    const key = str(expr['key']);
    const values = arr(expr['values']).map(str);
    switch (str(expr['operator'])) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) return undefined;
        const op = str(expr['operator']) === 'In' ? 'in' : 'notin';
        reqs.push({ key, text: `${key} ${op} (${goSort(values).join(',')})` });
        break;
      }
      case 'Exists':
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  // Requirements are ordered by key only; a stable sort keeps matchLabels before expressions.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString, but "" is `<none>` and errors `<error>`. */
export function formatLabelSelector(selector: unknown): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** The printers' layoutContainerCells: container names and images, each comma-joined. */
export function layoutContainerCells(containers: unknown): [names: string, images: string] {
  const list = arr(containers).map(rec);
  return [list.map((c) => str(c['name'])).join(','), list.map((c) => str(c['image'])).join(',')];
}

/** The containers of a pod template (`spec.template.spec.containers` of a workload). */
export function templateContainers(spec: Record<string, unknown>): unknown {
  return rec(rec(spec['template'])['spec'])['containers'];
}

/** The printers' listWithMoreString: at most `max` items, then "+ N more...", empty `<unset>`. */
export function listWithMore(items: string[], max: number): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

/** net.JoinHostPort: IPv6 literals (anything with a colon) are bracketed. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** core helper GetAccessModesAsString: fixed RWO, ROX, RWX, RWOP order, duplicates ignored. */
export function accessModesString(modes: unknown): string {
  const present = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (present.has('ReadWriteOnce')) out.push('RWO');
  if (present.has('ReadOnlyMany')) out.push('ROX');
  if (present.has('ReadWriteMany')) out.push('RWX');
  if (present.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** printBoolPtr: "True"/"False", or `<unset>` for nil. */
export function boolPtrString(v: boolean | undefined): string {
  if (v === undefined) return '<unset>';
  return v ? 'True' : 'False';
}
