// ControllerRevisions, the template history StatefulSets and DaemonSets keep (after upstream's
// controller/history and the controllers' getPatch): each revision stores the pod template as a
// strategic-merge patch `{"spec":{"template":{..., "$patch":"replace"}}}`, is named
// OWNER-HASH, and carries a monotonically increasing `revision` number.
import type { KubeObject } from '../../api/types.js';

type Json = Record<string, unknown>;

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * JSON with object keys sorted at every level and <, >, & escaped, as Go's encoding/json writes
 * a map[string]interface{}; null and absent fields are dropped so equal templates compare equal.
 */
export function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Json;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== null && o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${goJson(k)}:${goJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

/** Upstream's rand.SafeEncodeString of a decimal number: no vowels, no look-alike digits. */
export function safeEncode(n: number): string {
  return [...String(n)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** FNV-1 32-bit (Go's fnv.New32), used for ControllerRevision data. */
export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

/** FNV-1a 32-bit (Go's fnv.New32a), used for pod template hashes. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = (h ^ byte) >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The revision data: the pod template as a replacing patch of the owner's spec. */
export function templatePatch(template: unknown): Json {
  return { spec: { template: { ...((template ?? {}) as Json), $patch: 'replace' } } };
}

/** The template a revision holds (upstream's ApplyRevision, for the template only). */
export function templateOf(revision: Readonly<KubeObject>): Json {
  const data = (revision as { data?: { spec?: { template?: Json } } }).data;
  const t = structuredClone(data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

/** HashControllerRevision: FNV-1 over the raw data, then the collision count if any. */
export function revisionHash(data: unknown, collisionCount?: number): string {
  const probe = collisionCount === undefined ? '' : String(collisionCount);
  return safeEncode(fnv32(goJson(data) + probe));
}

/** ComputeHash of a pod template (DaemonSets): FNV-1a over the template and collision count. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const probe = collisionCount ? String(collisionCount) : '';
  return safeEncode(fnv32a(goJson(template) + probe));
}

export function revisionNumber(cr: Readonly<KubeObject>): number {
  return Number((cr as { revision?: number }).revision ?? 0);
}

export function sortRevisions(list: Readonly<KubeObject>[]): Readonly<KubeObject>[] {
  return [...list].sort(
    (a, b) =>
      revisionNumber(a) - revisionNumber(b) ||
      String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
      String(a.metadata.name).localeCompare(String(b.metadata.name)),
  );
}

export function sameData(a: Readonly<KubeObject>, data: unknown): boolean {
  return goJson((a as { data?: unknown }).data) === goJson(data);
}

/** ControllerRevisionName: the owner's name (at most 223 bytes) and the hash. */
export function revisionName(owner: string, hash: string): string {
  return `${owner.slice(0, 223)}-${hash}`;
}
