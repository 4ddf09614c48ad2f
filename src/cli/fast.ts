// The fast entry: the commands people run all day (`kbox get`) start without loading oclif,
// which costs a command ~150 ms before it does anything (kubectl answers `get pods` in ~110 ms).
// The command line is read with oclif's own definitions from oclif.manifest.json (src/cli/argv.ts);
// whatever that reader does not handle exactly as oclif would (help, unknown or repeated flags,
// invalid values, any other command) falls through to oclif, so behaviour is the same either way.
// KBOX_NO_FAST=1 turns the fast entry off.
import { readFileSync } from 'node:fs';
import { parseArgv, type ManifestCommand, type ParsedArgv } from './argv.js';
import { renderError } from './errors.js';

type FastRun = (parsed: ParsedArgv) => Promise<void>;

const FAST: Record<string, () => Promise<FastRun>> = {
  get: async () => {
    const [{ runGet }, { resolveTarget }] = await Promise.all([
      import('./get.js'),
      import('./target.js'),
    ]);
    return async ({ flags, argv }) => {
      const target = resolveTarget(flags as Record<string, string>);
      try {
        await runGet(target, argv, flags as unknown as Parameters<typeof runGet>[2]);
      } finally {
        await target.client.close();
      }
    };
  },
};

/**
 * Runs the command if the fast entry can; false means it did nothing and oclif should run it.
 * `root` is the package directory (where oclif.manifest.json is).
 */
export async function runFast(root: URL, args: readonly string[]): Promise<boolean> {
  const load = FAST[args[0] ?? ''];
  if (load === undefined || process.env.KBOX_NO_FAST) return false;
  let cmd: ManifestCommand | undefined;
  try {
    const manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    };
    cmd = manifest.commands[args[0] ?? ''];
  } catch {
    return false;
  }
  const parsed = cmd && parseArgv(cmd, args.slice(1));
  if (!parsed) return false;
  const run = await load();
  try {
    await run(parsed);
  } catch (err) {
    const rendered = renderError(err);
    if (!rendered) throw err;
    process.stderr.write(rendered.text);
    process.exitCode = rendered.exitCode;
  }
  return true;
}
