// The kubelet's own HTTP endpoint, as upstream's: the API server proxies pods/log to it. It
// listens on loopback only and requires the token the daemon shares with the API server.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerInfo, Runtime } from './runtime/interface.js';

/** What the endpoint needs from the node's kubelet (which may still be starting). */
export interface KubeletBackend {
  /** The pod's uid and whether the named container runs with a TTY, or undefined. */
  find(
    namespace: string,
    name: string,
  ): { uid: string; tty(container: string): boolean } | undefined;
  containers(podUid: string): Promise<ContainerInfo[]>;
  logs: Runtime['logs'];
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

export class KubeletServer {
  readonly #server: Server;
  readonly #token: string;
  readonly #backend: KubeletBackend;

  constructor(backend: KubeletBackend, token: string) {
    this.#backend = backend;
    this.#token = token;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) text(res, 500, (err as Error).message);
        else res.destroy();
      });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const want = Buffer.from(this.#token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      text(res, 401, 'Unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
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
