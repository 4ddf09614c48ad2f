// Minimal requests to the Docker engine's HTTP API (over its Unix socket or TCP) with node:http:
// quick to load, for readiness checks that should not pull in the full Docker client.
import { request } from 'node:http';

export function engineGet(
  endpoint: string,
  path: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return engineRequest(endpoint, 'GET', path, undefined, timeoutMs);
}

/** One request with an optional JSON body; resolves with the status and the body as text. */
export function engineRequest(
  endpoint: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  const url = endpoint.startsWith('unix://')
    ? undefined
    : new URL(endpoint.replace(/^tcp:/, 'http:'));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload
    ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
    : {};
  return new Promise((resolve, reject) => {
    const req = request(
      url
        ? { host: url.hostname, port: url.port, path, method, headers, timeout: timeoutMs }
        : {
            socketPath: endpoint.slice('unix://'.length),
            path,
            method,
            headers,
            timeout: timeoutMs,
          },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
