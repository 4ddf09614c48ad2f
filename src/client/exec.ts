// pods/exec and pods/attach from the client side, as kubectl 1.32 speaks it: a WebSocket with the
// v5.channel.k8s.io subprotocol, each message prefixed by its channel (0 stdin, 1 stdout,
// 2 stderr, 3 the final Status, 4 terminal resize, 255 close). The exit code comes from the Status.
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { StatusError, type Status } from '../api/status.js';
import { resourcePath, type KubeClient, type ResourceRef } from './rest.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

export interface StreamOptions {
  namespace: string;
  pod: string;
  container?: string;
  /** Piped to the command's stdin when given. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
  /** The terminal's size now, and a way to hear of changes (TTY only). */
  size?: () => { width: number; height: number };
  onResize?: (listener: () => void) => void;
}

export interface ExecOptions extends StreamOptions {
  command: string[];
}

/** Runs the command; resolves with its exit code. A refusal before it starts is a StatusError. */
export async function execInPod(client: KubeClient, o: ExecOptions): Promise<number> {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  return await streamPod(client, 'exec', q, o);
}

/**
 * Attaches to the container's main process until the server ends the session (the process's
 * output ends, or its stdin does without stdinOnce); resolves with 0 then. A refusal is a
 * StatusError.
 */
export async function attachToPod(client: KubeClient, o: StreamOptions): Promise<number> {
  return await streamPod(client, 'attach', new URLSearchParams(), o);
}

async function streamPod(
  client: KubeClient,
  subresource: 'exec' | 'attach',
  q: URLSearchParams,
  o: StreamOptions,
): Promise<number> {
  if (o.container) q.set('container', o.container);
  if (o.stdin) q.set('stdin', 'true');
  q.set('stdout', 'true');
  if (!o.tty) q.set('stderr', 'true');
  if (o.tty) q.set('tty', 'true');
  const url = `${client.server.replace(/^http/, 'ws')}${resourcePath(PODS, o.namespace, o.pod)}/${subresource}?${q.toString()}`;
  const cfg = client.config;
  const ws = new WebSocket(url, ['v5.channel.k8s.io'], {
    ...(cfg.ca ? { ca: cfg.ca } : {}),
    ...(cfg.clientCert && cfg.clientKey ? { cert: cfg.clientCert, key: cfg.clientKey } : {}),
    rejectUnauthorized: cfg.insecureSkipTlsVerify !== true,
    headers: cfg.token ? { authorization: `Bearer ${cfg.token}` } : {},
  });
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    }
  };
  return await new Promise<number>((resolve, reject) => {
    let status: Status | undefined;
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          reject(new StatusError(JSON.parse(body) as Status));
        } catch {
          reject(new Error(`unable to upgrade connection: ${res.statusCode ?? 0} ${body}`));
        }
      });
    });
    ws.on('error', reject);
    ws.on('open', () => {
      if (o.tty && o.size) {
        const resize = (): void => {
          const { width, height } = o.size?.() ?? { width: 80, height: 24 };
          send(4, JSON.stringify({ Width: width, Height: height }));
        };
        if (subresource === 'attach') {
          // As kubectl: one size larger first, so a process attached to again redraws its screen.
          const { width, height } = o.size();
          send(4, JSON.stringify({ Width: width + 1, Height: height + 1 }));
        }
        resize();
        o.onResize?.(resize);
      }
      if (o.stdin) {
        o.stdin.on('data', (chunk: Buffer) => send(0, chunk));
        // v5: tell the server stdin is done.
        o.stdin.on('end', () => send(255, Buffer.from([0])));
      }
    });
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === 1) o.stdout.write(payload);
      else if (channel === 2) o.stderr.write(payload);
      else if (channel === 3) status = JSON.parse(payload.toString('utf8')) as Status;
    });
    ws.on('close', () => {
      o.stdin?.pause();
      if (!status || status.status === 'Success') {
        resolve(0);
        return;
      }
      const exit = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
      if (status.reason === 'NonZeroExitCode' && exit !== undefined) resolve(Number(exit));
      else reject(new StatusError(status));
    });
  });
}
