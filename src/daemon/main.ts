// The daemon's process entry: `node dist/src/daemon/main.js --name NAME`. `kbox cluster start`
// launches this file directly (skipping the CLI framework's start-up); `kbox daemon run` runs the
// same code in the foreground.
import { pathToFileURL } from 'node:url';
import { kboxHome } from '../cli/paths.js';
import { runDaemon } from './daemon.js';
import { jsonLogger } from './log.js';

export async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf('--name');
  const name = i >= 0 ? (argv[i + 1] ?? 'default') : 'default';
  // stdout is the daemon's log file: on a full disk a line is lost, and the daemon goes on.
  process.stdout.on('error', () => undefined);
  const log = jsonLogger((line) => {
    try {
      process.stdout.write(line);
    } catch {
      // ENOSPC from a synchronous file write: nothing better to do with the line.
    }
  });
  try {
    await runDaemon({ name, home: kboxHome(), log });
    return 0;
  } catch (err) {
    log.error('daemon failed', { error: (err as Error).message });
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
