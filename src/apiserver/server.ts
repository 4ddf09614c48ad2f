// The kbox API server's HTTP edge: listens on loopback, routes requests, and turns every failure
// into a metav1.Status. Resource handling lives in the registry; this file only dispatches.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serverVersionInfo } from '../api/version.js';
import { unknownPath, writeError, writeJson, writeText } from './http.js';

export interface ApiServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export class ApiServer {
  readonly #server: Server;
  readonly #host: string;
  readonly #port: number;

  constructor(opts: ApiServerOptions = {}) {
    this.#host = opts.host ?? '127.0.0.1';
    this.#port = opts.port ?? 0;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => writeError(res, err));
    });
  }

  /** Starts listening; resolves with the base URL, e.g. http://127.0.0.1:39123. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  get url(): string {
    const addr = this.#server.address() as AddressInfo;
    return `http://${addr.address}:${addr.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/version':
        writeJson(
          res,
          200,
          serverVersionInfo(`${process.platform}/${process.arch}`, process.version),
        );
        return;
      case '/healthz':
      case '/livez':
      case '/readyz':
        writeText(res, 200, 'ok');
        return;
      default:
        throw unknownPath();
    }
  }
}
