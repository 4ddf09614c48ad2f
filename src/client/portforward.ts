// pods/portforward from the client side over SPDY/3.1 (portforward.k8s.io), as client-go's
// portforward package speaks it: one upgraded connection per pod; for each local connection an
// error stream (half-closed at once, the server writes a failure there as text) and a data
// stream, both carrying the remote port and the same request id.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { StatusError, type Status } from '../api/status.js';
import { SpdySession } from '../spdy/session.js';
import { CORE, resourcePath, type KubeClient } from './rest.js';

export class PortForwardSession {
  readonly #session: SpdySession;
  #nextRequest = 0;
  /** Resolves when the connection to the API server ends. */
  readonly closed: Promise<void>;

  constructor(transport: Duplex) {
    let ended!: () => void;
    this.closed = new Promise<void>((resolve) => (ended = resolve));
    this.#session = new SpdySession(transport, {
      client: true,
      // The server opens no streams of its own in this protocol.
      onStream: (s) => s.reset(),
      onClose: () => ended(),
    });
  }

  /**
   * Carries one local connection to `remotePort` of the pod. Resolves when both directions are
   * done, with the text the server reported on the error stream ('' when none).
   */
  async forward(remotePort: number, local: Duplex): Promise<string> {
    const requestid = String(this.#nextRequest++);
    const port = String(remotePort);
    const errorStream = await this.#session.open({ streamtype: 'error', port, requestid });
    errorStream.end();
    const message = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      errorStream.on('data', (c: Buffer) => chunks.push(c));
      errorStream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      errorStream.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const data = await this.#session.open({ streamtype: 'data', port, requestid });
    const remoteDone = new Promise<void>((resolve) => {
      data.on('end', resolve);
      data.on('close', resolve);
    });
    const localDone = new Promise<void>((resolve) => {
      local.on('close', resolve);
      local.on('error', resolve);
    });
    local.on('error', () => data.destroy());
    data.on('error', () => local.destroy());
    local.pipe(data);
    data.pipe(local);
    await Promise.race([remoteDone, localDone]);
    const text = await message;
    if (!local.destroyed) local.end();
    return text;
  }

  close(): void {
    this.#session.close();
  }
}

/** Upgrades a POST to the pod's portforward subresource to SPDY/3.1. */
export function openPortForward(
  client: KubeClient,
  namespace: string,
  pod: string,
): Promise<PortForwardSession> {
  const cfg = client.config;
  const url = new URL(`${client.server}${resourcePath(CORE.pods, namespace, pod)}/portforward`);
  const headers: Record<string, string> = {
    connection: 'Upgrade',
    upgrade: 'SPDY/3.1',
    'x-stream-protocol-version': 'portforward.k8s.io',
    'user-agent': 'kbox',
    'content-length': '0',
  };
  if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
  const req =
    url.protocol === 'https:'
      ? httpsRequest(url, {
          method: 'POST',
          headers,
          ...(cfg.ca ? { ca: cfg.ca } : {}),
          ...(cfg.clientCert && cfg.clientKey ? { cert: cfg.clientCert, key: cfg.clientKey } : {}),
          rejectUnauthorized: cfg.insecureSkipTlsVerify !== true,
        })
      : httpRequest(url, { method: 'POST', headers });
  return new Promise((resolve, reject) => {
    req.on('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      resolve(new PortForwardSession(socket));
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          const status = JSON.parse(body) as Status;
          if (status.kind === 'Status') {
            reject(new StatusError(status));
            return;
          }
        } catch {
          // Not a Status: reported as text below.
        }
        reject(new Error(`error upgrading connection: ${body.trim() || String(res.statusCode)}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}
