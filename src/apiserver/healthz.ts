// /healthz, /livez and /readyz as upstream's healthz package serves them
// (k8s.io/apiserver/pkg/server/healthz): `ok`, or with ?verbose one `[+]<check> ok` line per
// check and `<endpoint> check passed`; ?exclude=<check> skips a check; /<endpoint>/<check> runs
// one. A failing check turns the answer into a 500 that lists it as `[-]<check> failed: reason
// withheld` (the endpoint is public), as upstream's http.Error writes it.
import type { ServerResponse } from 'node:http';

export interface HealthCheck {
  name: string;
  /** Throws (or rejects) when unhealthy. */
  check(): void | Promise<void>;
}

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

function writePlain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function failure(check: HealthCheck): Promise<unknown> {
  try {
    await check.check();
    return undefined;
  } catch (err) {
    return err ?? new Error('failed');
  }
}

/**
 * Serves `/<endpoint>` (rest undefined) or `/<endpoint>/<rest>`. False when `rest` names no
 * check of this endpoint (the caller answers 404, as upstream's mux does).
 */
export async function serveHealth(
  res: ServerResponse,
  endpoint: HealthEndpoint,
  checks: readonly HealthCheck[],
  query: URLSearchParams,
  rest?: string,
): Promise<boolean> {
  if (rest !== undefined) {
    const check = checks.find((c) => c.name === rest);
    if (!check) return false;
    const err = await failure(check);
    if (err === undefined) writePlain(res, 200, 'ok');
    else {
      const why = err instanceof Error ? err.message : String(err);
      writePlain(res, 500, `internal server error: ${why}\n`);
    }
    return true;
  }
  const excluded = new Set(query.getAll('exclude'));
  let lines = '';
  let failed = false;
  for (const check of checks) {
    if (excluded.delete(check.name)) {
      lines += `[+]${check.name} excluded: ok\n`;
      continue;
    }
    if ((await failure(check)) === undefined) lines += `[+]${check.name} ok\n`;
    else {
      lines += `[-]${check.name} failed: reason withheld\n`;
      failed = true;
    }
  }
  if (excluded.size > 0) {
    const names = [...excluded]
      .sort()
      .map((n) => JSON.stringify(n))
      .join(',');
    lines += `warn: some health checks cannot be excluded: no matches for ${names}\n`;
  }
  if (failed) {
    // http.Error: the text and a newline.
    writePlain(res, 500, `${lines}${endpoint} check failed\n`);
    return true;
  }
  if (!query.has('verbose')) writePlain(res, 200, 'ok');
  else writePlain(res, 200, `${lines}${endpoint} check passed\n`);
  return true;
}
