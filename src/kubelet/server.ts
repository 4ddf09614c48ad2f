// The kubelet's own HTTP endpoint, as upstream's: the API server proxies pods/log, exec, attach
// and portforward to it. It listens on loopback only and requires the token the daemon shares with
// the API server.
//
//   GET /containerLogs/NS/POD/CONTAINER                      plain response
//   GET /exec/NS/POD/CONTAINER?command=…  (and /attach/…)    WebSocket v5.channel.k8s.io
//   GET /portForward/NS/POD?port=N   Upgrade: tcp            101, then the raw TCP connection
//   GET /stats/summary                                       JSON (src/api/stats-summary.ts)
import { timingSafeEqual } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Summary } from '../api/stats-summary.js';
import { REMOTE_COMMAND_PROTOCOL, serveRemoteCommand, type TerminalSize } from './remotecommand.js';
import type {
  ContainerInfo,
  ContainerStream,
  Runtime,
  StreamOptions,
} from './runtime/interface.js';

/** What the endpoint needs from the node's kubelet (which may still be starting). */
export interface KubeletBackend {
  /** The pod's uid and whether the named container runs with a TTY, or undefined. */
  find(
    namespace: string,
    name: string,
  ): { uid: string; tty(container: string): boolean } | undefined;
  containers(podUid: string): Promise<ContainerInfo[]>;
  logs: Runtime['logs'];
  execStream: Runtime['execStream'];
  attach: Runtime['attach'];
  connectPort: Runtime['connectPort'];
  /** The node's resource usage (rejects while the kubelet is still starting). */
  summary(): Promise<Summary>;
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** A plain-text refusal on a socket that was not upgraded. */
function refuse(socket: Duplex, code: number, body: string): void {
  if (socket.destroyed || !socket.writable) return;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export class KubeletServer {
  readonly #server: Server;
  readonly #token: string;
  readonly #backend: KubeletBackend;
  /** Loaded on the first exec/attach: the WebSocket library is not needed to start. */
  #wss: Promise<WebSocketServer> | undefined;
  /** Upgraded connections and open container streams, ended by stop(). */
  readonly #sockets = new Set<Duplex>();
  readonly #streams = new Set<ContainerStream>();

  constructor(backend: KubeletBackend, token: string) {
    this.#backend = backend;
    this.#token = token;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) text(res, 500, (err as Error).message);
        else res.destroy();
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      this.#upgrade(req, socket, head).catch((err: unknown) =>
        refuse(socket, 500, (err as Error).message),
      );
    });
  }

  /** Container streams open now (for leak checks in tests). */
  get openStreams(): number {
    return this.#streams.size;
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!authorized(req, this.#token)) {
      refuse(socket, 401, 'Unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
    const [kind, ns, podName, container] = parts;
    const q = url.searchParams;
    if (kind === 'portForward' && parts.length === 3 && ns && podName) {
      await this.#portForward(socket, head, ns, podName, q.get('port') ?? '');
      return;
    }
    if ((kind !== 'exec' && kind !== 'attach') || parts.length !== 4 || !ns || !podName) {
      refuse(socket, 404, 'not found');
      return;
    }
    const pod = this.#backend.find(ns, podName);
    if (!pod) {
      refuse(socket, 404, `pod ${ns}/${podName} is not on this node`);
      return;
    }
    const target = (await this.#backend.containers(pod.uid))
      .filter((c) => c.name === container && c.kind !== 'sandbox' && c.state === 'running')
      .sort((a, b) => b.attempt - a.attempt)[0];
    if (!target) {
      refuse(socket, 400, `container not found ("${container ?? ''}")`);
      return;
    }
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (upgrade !== 'websocket' || !offered.includes(REMOTE_COMMAND_PROTOCOL)) {
      refuse(
        socket,
        400,
        `kbox serves ${kind} over WebSocket with the ${REMOTE_COMMAND_PROTOCOL} subprotocol only (kubectl 1.30 and later; do not set KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)`,
      );
      return;
    }
    const tty = flag(q, 'tty') && (kind === 'exec' || pod.tty(container ?? ''));
    const opts: StreamOptions = {
      stdin: flag(q, 'stdin'),
      stdout: flag(q, 'stdout'),
      stderr: flag(q, 'stderr') && !tty,
      tty,
    };
    const command = kind === 'exec' ? q.getAll('command') : undefined;
    const start = async (size: TerminalSize | undefined): Promise<ContainerStream> => {
      const withSize = size ? { ...opts, size } : opts;
      const s =
        command !== undefined
          ? await this.#backend.execStream(target.id, command, withSize)
          : await this.#backend.attach(target.id, withSize);
      this.#streams.add(s);
      s.done.then(
        () => this.#streams.delete(s),
        () => this.#streams.delete(s),
      );
      return s;
    };
    this.#wss ??= import('ws').then(
      ({ WebSocketServer: Wss }) => new Wss({ noServer: true, perMessageDeflate: false }),
    );
    (await this.#wss).handleUpgrade(req, socket, head, (ws) => {
      void serveRemoteCommand(ws, start, command, tty);
    });
  }

  async #portForward(
    socket: Duplex,
    head: Buffer,
    ns: string,
    podName: string,
    portText: string,
  ): Promise<void> {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      refuse(socket, 400, `invalid port "${portText}"`);
      return;
    }
    const pod = this.#backend.find(ns, podName);
    if (!pod) {
      refuse(socket, 404, `pod ${ns}/${podName} is not on this node`);
      return;
    }
    let conn: Duplex;
    try {
      conn = await this.#backend.connectPort(pod.uid, port);
    } catch (err) {
      refuse(
        socket,
        500,
        `error forwarding port ${port} to pod ${ns}/${podName}, uid ${pod.uid}: ${(err as Error).message}`,
      );
      return;
    }
    if (socket.destroyed) {
      conn.destroy();
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    if (head.length > 0) conn.write(head);
    const teardown = (): void => {
      socket.destroy();
      conn.destroy();
    };
    conn.on('error', teardown);
    socket.on('error', teardown);
    conn.on('close', teardown);
    socket.on('close', teardown);
    socket.pipe(conn);
    conn.pipe(socket);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#streams].map((s) => s.close()));
    for (const s of this.#sockets) s.destroy();
    if (this.#wss) (await this.#wss).close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req, this.#token)) {
      text(res, 401, 'Unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (url.pathname === '/stats/summary') {
      let summary: Summary;
      try {
        summary = await this.#backend.summary();
      } catch (err) {
        text(res, 503, `resource stats are not available: ${(err as Error).message}`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(summary));
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      text(res, 404, 'not found');
      return;
    }
    const [ns, podName, container] = [m[1], m[2], m[3]].map((s) => decodeURIComponent(s ?? '')) as [
      string,
      string,
      string,
    ];
    const pod = this.#backend.find(ns, podName);
    if (!pod) {
      text(res, 404, `pod ${ns}/${podName} is not on this node`);
      return;
    }
    const q = url.searchParams;
    const mine = (await this.#backend.containers(pod.uid))
      .filter((c: ContainerInfo) => c.name === container && c.kind !== 'sandbox')
      .sort((a, b) => b.attempt - a.attempt);
    const previous = q.get('previous') === 'true';
    const target = previous ? mine[1] : mine[0];
    if (!target) {
      text(
        res,
        400,
        previous
          ? `previous terminated container "${container}" in pod "${podName}" not found`
          : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`,
      );
      return;
    }
    const tail = q.get('tailLines');
    const since = q.get('sinceSeconds');
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    await this.#backend.logs(
      target.id,
      {
        follow: q.get('follow') === 'true' && !previous,
        timestamps: q.get('timestamps') === 'true',
        tty: pod.tty(container),
        ...(tail !== null ? { tailLines: Number(tail) } : {}),
        ...(since !== null ? { sinceSeconds: Number(since) } : {}),
      },
      res,
      abort.signal,
    );
    res.end();
  }
}
