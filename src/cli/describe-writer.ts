// The pieces every `kbox describe` layout is written with, after kubectl 1.32's
// pkg/describe: an indenting writer whose text is aligned at the end by Go's tabwriter, label,
// annotation, taint and toleration blocks, Go's time and duration formats, and the object's
// events table. Describers read objects as plain JSON; the accessors here keep that readable.
import { translateTimestampSince } from '../api/duration.js';
import type { KubeObject } from '../api/types.js';
import { CORE, type KubeClient } from '../client/rest.js';
import { tabwrite } from './tabwriter.js';

export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
export const strMap = (v: unknown): Record<string, string> => obj(v) as Record<string, string>;

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

/** kubectl's prefixWriter over a tabwriter: two spaces per level; aligned by `done()`. */
export class PrefixWriter {
  #buf = '';
  write(level: number, text: string): void {
    this.#buf += '  '.repeat(level) + text;
  }

  writeLine(text: string): void {
    this.#buf += `${text}\n`;
  }

  done(): string {
    return tabwrite(this.#buf);
  }
}

/** A Go fmt `%v` of a JSON value: nil slices and maps aside, what kubectl prints. */
export function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue((v as Json)[k])}`)
      .join(' ')}]`;
  return String(v);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z in local time: `Mon, 02 Jan 2006 15:04:05 -0700`. */
export function rfc1123z(iso: unknown): string {
  const d = iso ? new Date(String(iso)) : new Date(Date.UTC(1, 0, 1));
  if (!iso) d.setUTCFullYear(1);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = `${sign}${pad2(Math.floor(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)}`;
  return `${DAYS[d.getDay()] ?? ''}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()] ?? ''} ${String(d.getFullYear()).padStart(4, '0')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`;
}

/** labels.FormatLabels: sorted `k=v,...`, or `<none>`. */
export function formatLabels(set: Record<string, string> | undefined): string {
  const keys = Object.keys(set ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${set?.[k] ?? ''}`).join(',');
}

/** printLabelsMultilineWithIndent. */
export function printLabels(
  w: PrefixWriter,
  title: string,
  labels: Record<string, string> | undefined,
  initialIndent = '',
  innerIndent = '\t',
): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  for (const [i, key] of keys.entries()) {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}${innerIndent}`);
    w.write(LEVEL_0, `${key}=${labels?.[key] ?? ''}\n`);
  }
}

const MAX_ANNOTATION_LEN = 140;
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** printAnnotationsMultiline: long or multi-line values wrap under their key. */
export function printAnnotations(
  w: PrefixWriter,
  title: string,
  annotations: Record<string, string> | undefined,
): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIP_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const indent = '\t';
  const shorten = (s: string, max: number): string =>
    s.length > max ? `${s.slice(0, max)}...` : s;
  for (const [i, key] of keys.entries()) {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = (annotations?.[key] ?? '').replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split('\n'))
        w.write(LEVEL_0, `${indent}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  }
}

/** printTaintsMultilineWithIndent (Taint.ToString: key=value:effect). */
export function printTaints(w: PrefixWriter, title: string, taints: Json[]): void {
  w.write(LEVEL_0, `${title}:\t`);
  if (taints.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const key = (t: Json): string => `${str(t.effect)},${str(t.key)}`;
  const sorted = [...taints].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const [i, t] of sorted.entries()) {
    if (i !== 0) w.write(LEVEL_0, '\t');
    const value = str(t.value) === '' ? '' : `=${str(t.value)}`;
    const effect = str(t.effect) === '' ? '' : `:${str(t.effect)}`;
    w.write(LEVEL_0, `${str(t.key)}${value}${effect}\n`);
  }
}

/** printTolerationsMultilineWithIndent. */
export function printTolerations(
  w: PrefixWriter,
  title: string,
  tolerations: Json[],
  initialIndent = '',
): void {
  w.write(LEVEL_0, `${initialIndent}${title}:\t`);
  if (tolerations.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const sorted = [...tolerations].sort((a, b) =>
    str(a.key) < str(b.key) ? -1 : str(a.key) > str(b.key) ? 1 : 0,
  );
  for (const [i, t] of sorted.entries()) {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}\t`);
    let line = str(t.key);
    if (str(t.value) !== '') line += `=${str(t.value)}`;
    if (str(t.effect) !== '') line += `:${str(t.effect)}`;
    if (t.operator === 'Exists' && str(t.value) === '')
      line += str(t.key) !== '' || str(t.effect) !== '' ? ' op=Exists' : 'op=Exists';
    if (typeof t.tolerationSeconds === 'number') line += ` for ${t.tolerationSeconds}s`;
    w.write(LEVEL_0, `${line}\n`);
  }
}

/** printController: `Kind/name` of the controlling owner, or ''. */
export function controllerOf(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

/** The identity searchEvents selects on (reference.GetReference of the object). */
export interface EventRef {
  kind?: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** searchEvents: the events whose involvedObject matches the reference's set fields. */
export async function searchEvents(client: KubeClient, ref: EventRef): Promise<Json[]> {
  const terms = [
    `involvedObject.name=${ref.name}`,
    `involvedObject.namespace=${ref.namespace ?? ''}`,
  ];
  if (ref.kind) terms.push(`involvedObject.kind=${ref.kind}`);
  if (ref.uid) terms.push(`involvedObject.uid=${ref.uid}`);
  // fields.Set.AsSelector sorts its terms; the server treats them as a conjunction anyway.
  terms.sort();
  const list = await client.list(CORE.events, ref.namespace || undefined, {
    fieldSelector: terms.join(','),
  });
  return list.items as unknown as Json[];
}

export function refOf(o: KubeObject, kind: string): EventRef {
  return {
    kind,
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace,
    uid: o.metadata.uid,
  };
}

/** DescribeEvents: `Events:  <none>` or the Type/Reason/Age/From/Message table. */
export function describeEvents(w: PrefixWriter, events: Json[] | undefined, now: Date): void {
  if (events === undefined) return;
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  const last = (e: Json): number =>
    e.lastTimestamp ? Date.parse(str(e.lastTimestamp)) : -Infinity;
  const sorted = [...events].sort((a, b) => last(a) - last(b));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = e.eventTime
      ? translateTimestampSince(e.eventTime, now)
      : translateTimestampSince(e.firstTimestamp, now);
    const series = e.series === undefined || e.series === null ? undefined : obj(e.series);
    let interval = first;
    if (series)
      interval = `${translateTimestampSince(series.lastObservedTime, now)} (x${num(series.count)} over ${first})`;
    else if (num(e.count) > 1)
      interval = `${translateTimestampSince(e.lastTimestamp, now)} (x${num(e.count)} over ${first})`;
    const source = str(obj(e.source).component) || str(e.reportingComponent);
    w.write(
      LEVEL_1,
      `${str(e.type)}\t${str(e.reason)}\t${interval}\t${source}\t${str(e.message).trim()}\n`,
    );
  }
}
