// Authentication at the HTTP edge: the admin bearer token (constant-time compare), a service
// account token, or a client certificate signed by the cluster CA. Health and version stay open, as upstream allows them
// for unauthenticated users.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { StatusError } from '../api/status.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Bearer tokens other than the admin token: service account tokens. */
export interface TokenAuthenticator {
  authenticate(token: string): UserInfo | undefined;
}

const OPEN_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function isOpenPath(path: string): boolean {
  return OPEN_PATHS.has(path);
}

export function unauthorized(): StatusError {
  return StatusError.from(401, 'Unauthorized', 'Unauthorized');
}

/** The admin token's bytes, made once (a server has one token). */
let adminToken: { text: string; bytes: Buffer } | undefined;

function tokenBytes(token: string): Buffer {
  if (adminToken?.text !== token) adminToken = { text: token, bytes: Buffer.from(token) };
  return adminToken.bytes;
}

export function authenticate(
  req: IncomingMessage,
  token: string | undefined,
  tokens?: TokenAuthenticator,
): UserInfo | undefined {
  const header = req.headers.authorization ?? '';
  if (token !== undefined && header.startsWith('Bearer ')) {
    const given = Buffer.from(header.slice('Bearer '.length).trim());
    const want = tokenBytes(token);
    if (given.length === want.length && timingSafeEqual(given, want)) {
      return { name: 'kbox-admin', groups: ['system:masters', 'system:authenticated'] };
    }
    return tokens?.authenticate(given.toString('utf8'));
  }
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert.subject as unknown as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    const o = subject?.O;
    if (typeof cn === 'string' && cn !== '') {
      return {
        name: cn,
        groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'],
      };
    }
  }
  return undefined;
}
