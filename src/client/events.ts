// Records core/v1 Events about objects, like client-go's EventRecorder: a repeat of the same
// reason and message for the same object within ten minutes bumps the existing Event's count
// instead of creating a new one, so a loop cannot flood the store.
import { randomBytes } from 'node:crypto';
import { rfc3339 } from '../api/duration.js';
import type { KubeObject } from '../api/types.js';
import type { KubeClient, ResourceRef } from './rest.js';

const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
const DEDUP_MS = 10 * 60 * 1000;

export type EventType = 'Normal' | 'Warning';

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #recent = new Map<
    string,
    { name: string; namespace: string; count: number; at: number }
  >();

  readonly #host: string | undefined;

  /** `host`: the node, for components that run on one (the kubelet). */
  constructor(client: KubeClient, component: string, host?: string) {
    this.#client = client;
    this.#component = component;
    this.#host = host;
  }

  /** Never throws: an event that cannot be written must not fail the caller's work. */
  async record(
    obj: Readonly<KubeObject>,
    type: EventType,
    reason: string,
    message: string,
    /** The part of the object the event is about, e.g. `spec.containers{web}`. */
    fieldPath?: string,
  ): Promise<void> {
    try {
      await this.#record(obj, type, reason, message, fieldPath);
    } catch {
      // Events are best effort, as upstream's.
    }
  }

  async #record(
    obj: Readonly<KubeObject>,
    type: EventType,
    reason: string,
    message: string,
    fieldPath: string | undefined,
  ): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const now = new Date();
    const ts = rfc3339(now);
    const key = `${obj.metadata.uid ?? ''}|${fieldPath ?? ''}|${reason}|${message}`;
    const seen = this.#recent.get(key);
    if (seen && now.getTime() - seen.at < DEDUP_MS) {
      seen.count += 1;
      seen.at = now.getTime();
      await this.#client.patch(EVENTS, seen.namespace, seen.name, {
        count: seen.count,
        lastTimestamp: ts,
      });
      return;
    }
    const name = `${obj.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
    await this.#client.create(EVENTS, ns, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        ...(fieldPath !== undefined ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      reportingComponent: this.#component,
      reportingInstance: this.#host ?? '',
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    });
    if (this.#recent.size > 4096) this.#recent.clear();
    this.#recent.set(key, { name, namespace: ns, count: 1, at: now.getTime() });
  }
}
