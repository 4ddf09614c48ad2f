// How the REST client's requests reach the API server. Two transports with one contract:
//   - HTTP(S) to a URL with undici (the CLI, any remote cluster), loaded on first use;
//   - plain HTTP over the daemon's private Unix socket with node:http (components inside the
//     daemon): no TLS handshakes or encryption on a path that never leaves the process's own
//     directory, and no HTTP client library to load at start-up. The socket sits in the cluster's
//     0700 state directory and the server still checks the bearer token on it.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { Dispatcher, request as undiciRequest } from 'undici';

export interface TransportRequest {
  method: string;
  /** Path and query, e.g. /api/v1/pods?watch=true */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Time allowed until the response headers arrive, ms. */
  headersTimeoutMs: number;
  /** Time allowed for the whole body once headers arrived, ms; 0 for streams (no limit). */
  bodyTimeoutMs: number;
}

export interface TransportResponse {
  statusCode: number;
  contentType: string;
  body: AsyncIterable<Buffer>;
  /** The whole body as UTF-8. */
  text(): Promise<string>;
  /** Reads and discards the body, so the connection can be reused. */
  dump(): Promise<void>;
}

export interface Transport {
  request(r: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface UndiciTransportOptions {
  /** Base URL, e.g. https://127.0.0.1:6443 (no trailing slash). */
  server: string;
  ca?: string;
  clientCert?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
}

interface Undici {
  agent: Dispatcher;
  request: typeof undiciRequest;
}

/** HTTP(S) to a URL through one undici Agent (keep-alive), undici being imported on first use. */
export class UndiciTransport implements Transport {
  readonly #o: UndiciTransportOptions;
  #undici: Promise<Undici> | undefined;

  constructor(o: UndiciTransportOptions) {
    this.#o = o;
  }

  #load(): Promise<Undici> {
    this.#undici ??= import('undici').then(({ Agent, request }) => ({
      request,
      agent: new Agent({
        connect: {
          ...(this.#o.ca ? { ca: this.#o.ca } : {}),
          ...(this.#o.clientCert && this.#o.clientKey
            ? { cert: this.#o.clientCert, key: this.#o.clientKey }
            : {}),
          rejectUnauthorized: this.#o.insecureSkipTlsVerify !== true,
        },
        keepAliveTimeout: 10_000,
      }),
    }));
    return this.#undici;
  }

  async request(r: TransportRequest): Promise<TransportResponse> {
    const { agent, request } = await this.#load();
    const res = await request(`${this.#o.server}${r.path}`, {
      method: r.method as Dispatcher.HttpMethod,
      dispatcher: agent,
      headers: r.headers,
      body: r.body,
      signal: r.signal,
      headersTimeout: r.headersTimeoutMs,
      bodyTimeout: r.bodyTimeoutMs,
    });
    return {
      statusCode: res.statusCode,
      contentType: String(res.headers['content-type'] ?? ''),
      body: res.body as AsyncIterable<Buffer>,
      text: () => res.body.text(),
      dump: () => res.body.dump(),
    };
  }

  async close(): Promise<void> {
    if (this.#undici) await (await this.#undici).agent.close();
  }
}

/** Plain HTTP over a Unix socket with node:http and a keep-alive agent. */
export class UnixSocketTransport implements Transport {
  readonly #socketPath: string;
  readonly #agent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 10_000 });

  constructor(socketPath: string) {
    this.#socketPath = socketPath;
  }

  request(r: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...r.headers, host: 'localhost' };
      if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
      const req = httpRequest({
        socketPath: this.#socketPath,
        agent: this.#agent,
        method: r.method,
        path: r.path,
        headers,
        signal: r.signal,
      });
      const timer = setTimeout(
        () =>
          req.destroy(
            new Error(`the API server did not answer within ${r.headersTimeoutMs / 1000}s`),
          ),
        r.headersTimeoutMs,
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        if (r.bodyTimeoutMs > 0) {
          const bodyTimer = setTimeout(
            () =>
              res.destroy(
                new Error(`the API server's answer took longer than ${r.bodyTimeoutMs / 1000}s`),
              ),
            r.bodyTimeoutMs,
          );
          res.once('close', () => clearTimeout(bodyTimer));
        }
        resolve({
          statusCode: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: res,
          text: async () => {
            const chunks: Buffer[] = [];
            for await (const chunk of res) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks).toString('utf8');
          },
          dump: async () => {
            for await (const _ of res) {
              // discard
            }
          },
        });
      });
      req.end(r.body);
    });
  }

  async close(): Promise<void> {
    this.#agent.destroy();
    await Promise.resolve();
  }
}
