// The REST client every kbox component and the CLI use to reach the API server (HTTP(S) with
// undici, or the daemon's private Unix socket: see transport.ts). Failures come back as
// StatusErrors rebuilt from the server's Status body, so callers recognise them by reason
// exactly as server code does.
import { StatusError, type Status } from '../api/status.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/types.js';
import { UndiciTransport, UnixSocketTransport, type Transport } from './transport.js';

export interface ClientConfig {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
  token?: string;
  clientCert?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  /** Per-request timeout for non-streaming calls, ms (default 30 s). */
  timeoutMs?: number;
  /**
   * The API server's private Unix socket (components inside the daemon): requests go there as
   * plain HTTP instead of to `server`, which remains the address streaming clients use.
   */
  socketPath?: string;
}

/** Identifies a resource collection: `/api/v1` or `/apis/<group>/<version>` plus the plural. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** The query string for list options (exported for callers building their own paths). */
export function listQuery(q: ListQuery): string {
  return query({ ...q });
}

export function resourcePath(ref: ResourceRef, namespace?: string, name?: string): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns =
    ref.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const item = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  return `${base}${ns}/${ref.resource}${item}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export class KubeClient {
  readonly server: string;
  /** How to reach the server: streaming clients (exec) open their own connections with it. */
  readonly config: Readonly<ClientConfig>;
  readonly #transport: Transport;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(cfg: ClientConfig) {
    this.config = { ...cfg };
    this.server = cfg.server.replace(/\/+$/, '');
    this.#transport = cfg.socketPath
      ? new UnixSocketTransport(cfg.socketPath)
      : new UndiciTransport({ ...cfg, server: this.server });
    this.#headers = { accept: 'application/json', 'user-agent': 'kbox' };
    if (cfg.token) this.#headers.authorization = `Bearer ${cfg.token}`;
    this.#timeoutMs = cfg.timeoutMs ?? 30_000;
  }

  /** Raw request; resolves with the parsed JSON body, throws StatusError on non-2xx. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    accept?: string,
  ): Promise<T> {
    const headers: Record<string, string> = { ...this.#headers };
    if (body !== undefined) headers['content-type'] = contentType;
    if (accept !== undefined) headers.accept = accept;
    const res = await this.#transport.request({
      method,
      path,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headersTimeoutMs: this.#timeoutMs,
      bodyTimeoutMs: this.#timeoutMs,
    });
    const text = await res.text();
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return (res.contentType.includes('json') ? JSON.parse(text) : text) as T;
    }
    throw errorFromResponse(res.statusCode, text);
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.call('GET', resourcePath(ref, namespace, name));
  }

  list(ref: ResourceRef, namespace?: string, q: ListQuery = {}): Promise<KubeList> {
    return this.call('GET', `${resourcePath(ref, namespace)}${query({ ...q })}`);
  }

  create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    return this.call('POST', resourcePath(ref, namespace), obj);
  }

  update(ref: ResourceRef, obj: KubeObject, subresource?: string): Promise<KubeObject> {
    const path = resourcePath(ref, obj.metadata.namespace, obj.metadata.name ?? '');
    return this.call('PUT', subresource ? `${path}/${subresource}` : path, obj);
  }

  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: 'merge' | 'json' | 'strategic' = 'merge',
    subresource?: string,
  ): Promise<KubeObject> {
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[type];
    const path = resourcePath(ref, namespace, name);
    return this.call('PATCH', subresource ? `${path}/${subresource}` : path, patch, contentType);
  }

  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    opts: {
      gracePeriodSeconds?: number;
      propagationPolicy?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {},
  ): Promise<unknown> {
    return this.call('DELETE', resourcePath(ref, namespace, name), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...opts,
    });
  }

  /**
   * Streams a watch until the server ends it, `signal` aborts it, or the server reports 410
   * (returns 'expired': the caller must re-list). Events are handed over in order, one line each.
   */
  async watch(
    ref: ResourceRef,
    namespace: string | undefined,
    q: ListQuery & { allowWatchBookmarks?: boolean; timeoutSeconds?: number },
    onEvent: (ev: WatchEvent) => void,
    signal?: AbortSignal,
    accept?: string,
  ): Promise<'closed' | 'expired'> {
    const path = `${resourcePath(ref, namespace)}${query({ ...q, watch: true })}`;
    const res = await this.#transport.request({
      method: 'GET',
      path,
      headers: accept ? { ...this.#headers, accept } : this.#headers,
      signal,
      headersTimeoutMs: this.#timeoutMs,
      bodyTimeoutMs: 0,
    });
    if (res.statusCode === 410) {
      await res.dump();
      return 'expired';
    }
    if (res.statusCode !== 200) throw errorFromResponse(res.statusCode, await res.text());
    let pending = '';
    try {
      for await (const chunk of res.body) {
        pending += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim() === '') continue;
          const ev = JSON.parse(line) as WatchEvent;
          if (ev.type === 'ERROR') {
            const status = ev.object as unknown as Status;
            if (status.code === 410) return 'expired';
            throw new StatusError(status);
          }
          onEvent(ev);
        }
      }
    } catch (err) {
      if (signal?.aborted) return 'closed';
      throw err;
    }
    return 'closed';
  }

  /** GETs a streaming text resource (e.g. pods/log with follow), writing chunks as they come. */
  async stream(
    path: string,
    onChunk: (chunk: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.#transport.request({
      method: 'GET',
      path,
      headers: { ...this.#headers, accept: '*/*' },
      signal,
      headersTimeoutMs: this.#timeoutMs,
      bodyTimeoutMs: 0,
    });
    // As client-go's Request.Stream: any 2xx is a stream (pods/log of a pod not yet on a node
    // answers 204 No Content).
    if (res.statusCode < 200 || res.statusCode > 206) {
      throw errorFromResponse(res.statusCode, await res.text());
    }
    try {
      for await (const chunk of res.body) onChunk(chunk as Buffer);
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** Rebuilds the server's Status (or a generic one for non-Status bodies) as a StatusError. */
export function errorFromResponse(code: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as Partial<Status>;
    if (body.kind === 'Status' && body.status === 'Failure') return new StatusError(body as Status);
  } catch {
    // Not JSON: fall through to a generic error for the HTTP code.
  }
  const reason =
    code === 401
      ? 'Unauthorized'
      : code === 403
        ? 'Forbidden'
        : code === 404
          ? 'NotFound'
          : 'InternalError';
  return StatusError.from(
    code,
    reason,
    `the server responded with HTTP ${code}: ${text.slice(0, 200)}`,
  );
}

export const CORE = {
  nodes: { group: '', version: 'v1', resource: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  pods: { group: '', version: 'v1', resource: 'pods', namespaced: true },
  events: { group: '', version: 'v1', resource: 'events', namespaced: true },
  services: { group: '', version: 'v1', resource: 'services', namespaced: true },
  endpoints: { group: '', version: 'v1', resource: 'endpoints', namespaced: true },
  configmaps: { group: '', version: 'v1', resource: 'configmaps', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true },
  endpointslices: {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    namespaced: true,
  },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true },
} as const satisfies Record<string, ResourceRef>;
