// The streaming pod subresources at the HTTP edge: pods/exec, pods/attach and pods/portforward.
// The API server authenticates and validates (pod, container, node) as upstream's pod strategy
// does, then reaches the kubelet of the pod's node:
//
//   exec, attach  client ──WebSocket v5.channel.k8s.io──► API server ══raw bytes══► kubelet ─► Docker
//   portforward   client ──SPDY/3.1 (upgrade, or inside a WebSocket)──► API server (SPDY session)
//                   each forwarded connection ══raw upgrade /portForward?port=N══► kubelet ─► pod IP
//
// Errors before the upgrade are Status responses on the raw socket (kubectl retries a failed
// WebSocket upgrade once over SPDY and then prints the Status).
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { badRequest, notFound, StatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { HandlerContext } from './handlers.js';
import { servePortForward } from './portforward.js';
import type { ResourceRequest } from './request.js';

export const PORT_FORWARD_WEBSOCKET_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
const KUBELET_TIMEOUT_MS = 30_000;
const MAX_ERROR_BODY = 64 * 1024;

/** Writes a Status as the HTTP response on a socket that was not upgraded, then closes it. */
type KubeletAnswer =
  | { upgraded: true; res: IncomingMessage; socket: Socket; head: Buffer }
  | { upgraded: false; code: number; body: string };

/** Sends an upgrade request to a kubelet and returns its switched socket or its refusal. */
function kubeletUpgrade(
  port: number,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
): Promise<KubeletAnswer> {
  return new Promise((resolve, reject) => {
    const kreq = request({ host: '127.0.0.1', port, method, path, headers });
    kreq.setTimeout(KUBELET_TIMEOUT_MS, () => kreq.destroy(new Error('timed out')));
    kreq.on('upgrade', (res, socket, head) => {
      socket.setTimeout(0);
      resolve({ upgraded: true, res, socket, head });
    });
    kreq.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_ERROR_BODY) chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          upgraded: false,
          code: res.statusCode ?? 500,
          body: Buffer.concat(chunks).toString('utf8').trim(),
        }),
      );
      res.on('error', reject);
    });
    kreq.on('error', reject);
    kreq.end();
  });
}

function kubeletRefusal(code: number, body: string): StatusError {
  const message = `unable to upgrade connection: ${body}`;
  if (code === 400) return StatusError.from(400, 'BadRequest', message);
  if (code === 404) return StatusError.from(404, 'NotFound', message);
  return StatusError.from(500, 'InternalError', message);
}

/** Joins two sockets both ways; either side closing or failing tears down both. */
function splice(a: Duplex, b: Duplex): void {
  const teardown = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', teardown);
  b.on('error', teardown);
  a.on('close', teardown);
  b.on('close', teardown);
  a.pipe(b);
  b.pipe(a);
}

function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v.join(',') : (v ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export class PodStreaming {
  readonly #ctx: HandlerContext;
  readonly #wss: WebSocketServer;

  constructor(ctx: HandlerContext) {
    this.#ctx = ctx;
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
      handleProtocols: (offered) =>
        offered.has(PORT_FORWARD_WEBSOCKET_PROTOCOL) ? PORT_FORWARD_WEBSOCKET_PROTOCOL : false,
    });
  }

  /** Serves an upgrade request on `rr`; throws a StatusError before anything is switched. */
  async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    rr: ResourceRequest,
    url: URL,
  ): Promise<void> {
    const sub = rr.subresource ?? '';
    if (
      rr.group !== '' ||
      rr.resource !== 'pods' ||
      rr.name === undefined ||
      !['exec', 'attach', 'portforward'].includes(sub)
    ) {
      throw badRequest(`upgrade requests are not supported on ${url.pathname}`);
    }
    const store = this.#ctx.store('', 'pods');
    if (!store) throw badRequest('pods are not served');
    const ns = rr.namespace ?? 'default';
    const pod = store.get(ns, rr.name);
    if (sub === 'portforward') {
      this.#portForward(req, socket, head, pod, ns, rr.name);
      return;
    }
    // Upstream's order: the options, then the container, then the node.
    const q = url.searchParams;
    const params = new URLSearchParams();
    if (sub === 'exec') {
      const command = q.getAll('command');
      if (command.length === 0) throw badRequest('you must specify at least 1 command');
      for (const c of command) params.append('command', c);
    }
    const container = this.#container(pod, q.get('container') ?? '');
    const kubelet = this.#kubeletPort(pod);
    for (const k of ['stdin', 'stdout', 'stderr', 'tty']) {
      const v = q.get(k);
      if (v !== null) params.set(k, v);
    }
    if (
      !['true', '1'].includes(params.get('stdin') ?? '') &&
      !['true', '1'].includes(params.get('stdout') ?? '') &&
      !['true', '1'].includes(params.get('stderr') ?? '')
    ) {
      throw badRequest('you must specify at least one of stdin, stdout, stderr');
    }
    const headers: OutgoingHttpHeaders = {
      authorization: `Bearer ${this.#ctx.kubeletToken ?? ''}`,
    };
    for (const [k, v] of Object.entries(req.headers)) {
      if (
        k === 'connection' ||
        k === 'upgrade' ||
        k.startsWith('sec-websocket-') ||
        k === 'x-stream-protocol-version'
      ) {
        headers[k] = v;
      }
    }
    const path = `/${sub}/${encodeURIComponent(ns)}/${encodeURIComponent(rr.name)}/${encodeURIComponent(container)}?${params.toString()}`;
    const answer = await this.#dial(kubelet, req.method ?? 'GET', path, headers);
    if (!answer.upgraded) throw kubeletRefusal(answer.code, answer.body);
    if (socket.destroyed) {
      answer.socket.destroy();
      return;
    }
    const raw = answer.res.rawHeaders;
    let response = `HTTP/1.1 101 ${answer.res.statusMessage ?? 'Switching Protocols'}\r\n`;
    for (let i = 0; i + 1 < raw.length; i += 2) response += `${raw[i]}: ${raw[i + 1]}\r\n`;
    socket.write(`${response}\r\n`);
    if (answer.head.length > 0) socket.write(answer.head);
    if (head.length > 0) answer.socket.write(head);
    splice(socket, answer.socket);
  }

  #portForward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    pod: KubeObject,
    ns: string,
    name: string,
  ): void {
    let kubelet: { port: number; node: string } = { port: 0, node: '' };
    const dial = async (port: number): Promise<Duplex> => {
      const answer = await this.#dial(
        kubelet,
        'GET',
        `/portForward/${encodeURIComponent(ns)}/${encodeURIComponent(name)}?port=${port}`,
        {
          authorization: `Bearer ${this.#ctx.kubeletToken ?? ''}`,
          connection: 'Upgrade',
          upgrade: 'tcp',
        },
      ).catch((err: unknown) => {
        throw new Error(
          `error forwarding port ${port} to pod ${ns}/${name}: ${(err as Error).message}`,
        );
      });
      if (!answer.upgraded) throw new Error(answer.body);
      if (answer.head.length > 0) answer.socket.unshift(answer.head);
      return answer.socket;
    };
    const upgrade = headerList(req.headers.upgrade).map((s) => s.toLowerCase());
    if (upgrade.includes('websocket')) {
      const offered = headerList(req.headers['sec-websocket-protocol']);
      if (!offered.includes(PORT_FORWARD_WEBSOCKET_PROTOCOL)) {
        throw badRequest(
          `pods/portforward over WebSocket needs the ${PORT_FORWARD_WEBSOCKET_PROTOCOL} subprotocol`,
        );
      }
      kubelet = this.#kubeletPort(pod);
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const tunnel = createWebSocketStream(ws, { allowHalfOpen: false });
        tunnel.on('error', () => tunnel.destroy());
        servePortForward(tunnel, dial);
      });
      return;
    }
    if (!upgrade.includes('spdy/3.1')) {
      throw badRequest('pods/portforward needs an upgrade to SPDY/3.1 or WebSocket');
    }
    const versions = headerList(req.headers['x-stream-protocol-version']);
    if (versions.length > 0 && !versions.includes(PORT_FORWARD_PROTOCOL)) {
      throw StatusError.from(
        403,
        'Forbidden',
        `unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`,
      );
    }
    kubelet = this.#kubeletPort(pod);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Connection: Upgrade\r\n' +
        'Upgrade: SPDY/3.1\r\n' +
        `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    servePortForward(socket, dial);
  }

  async #dial(
    kubelet: { port: number; node: string },
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
  ): Promise<KubeletAnswer> {
    try {
      return await kubeletUpgrade(kubelet.port, method, path, headers);
    } catch (err) {
      throw StatusError.from(
        503,
        'ServiceUnavailable',
        `the kubelet of node ${kubelet.node} is not reachable: ${(err as Error).message}`,
      );
    }
  }

  /** The container to stream from, after upstream's streamLocation rules. */
  #container(pod: KubeObject, asked: string): string {
    const spec = (pod.spec ?? {}) as {
      containers?: Array<{ name: string }>;
      initContainers?: Array<{ name: string }>;
      ephemeralContainers?: Array<{ name: string }>;
    };
    const names = (spec.containers ?? []).map((c) => c.name);
    const initNames = (spec.initContainers ?? []).map((c) => c.name);
    const name = pod.metadata.name ?? '';
    if (asked === '') {
      if (names.length === 1) return names[0] ?? '';
      if (names.length === 0) {
        throw badRequest(`a container name must be specified for pod ${name}`);
      }
      const init =
        initNames.length > 0 ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${init}`,
      );
    }
    const ephemeralNames = (spec.ephemeralContainers ?? []).map((c) => c.name);
    if (![...names, ...initNames, ...ephemeralNames].includes(asked)) {
      throw badRequest(`container ${asked} is not valid for pod ${name}`);
    }
    return asked;
  }

  #kubeletPort(pod: KubeObject): { port: number; node: string } {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) {
      throw badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
    }
    const node = this.#ctx.storage.get(`/core/nodes/${nodeName}`);
    // NodeConnectionInfoGetter gets the Node first: a pod bound to a missing node is its 404.
    if (!node) throw notFound({ group: '', resource: 'nodes' }, nodeName);
    const port = (
      node?.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined
    )?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!port) {
      throw StatusError.from(
        503,
        'ServiceUnavailable',
        `the kubelet of node ${nodeName} is not reachable`,
      );
    }
    return { port, node: nodeName };
  }

  close(): void {
    this.#wss.close();
  }
}
