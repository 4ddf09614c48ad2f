// A minimal GET against the Docker engine's HTTP API (over its Unix socket or TCP) with node:http:
// quick to load, for readiness checks that should not pull in the full Docker client.
import { request } from 'node:http';

export function engineGet(
  endpoint: string,
  path: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  const url = endpoint.startsWith('unix://')
    ? undefined
    : new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Promise((resolve, reject) => {
    const req = request(
      url
        ? { host: url.hostname, port: url.port, path, timeout: timeoutMs }
        : { socketPath: endpoint.slice('unix://'.length), path, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
