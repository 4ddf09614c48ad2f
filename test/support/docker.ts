// Access to the Docker engine for e2e tests. Outside CI a missing engine skips the test, loudly;
// with CI=true it fails it, so CI can never pass without having run the Docker tests.
import Docker from 'dockerode';
import type { TestContext } from 'node:test';

let cached: Promise<Docker | Error> | undefined;

function connect(): Promise<Docker | Error> {
  cached ??= (async () => {
    const docker = new Docker();
    try {
      await docker.ping();
      return docker;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  })();
  return cached;
}

/** Returns a connected client, or skips the test (fails it under CI=true) when none answers. */
export async function dockerOrSkip(t: TestContext): Promise<Docker | undefined> {
  const docker = await connect();
  if (!(docker instanceof Error)) return docker;
  const why = `no Docker engine answers (${docker.message})`;
  if (process.env.CI === 'true') {
    throw new Error(`${why}; CI requires Docker for the e2e tests`);
  }
  process.stderr.write(`\n!!! SKIPPING e2e test "${t.name}": ${why} !!!\n\n`);
  t.skip(why);
  return undefined;
}

/** Label put on every container, network and image a test run creates, for clean-up. */
export const TEST_LABEL = 'io.kbox.test';
