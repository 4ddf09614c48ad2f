// The daemon process itself, launched detached by `kbox cluster start`. Hidden: users never run
// it by hand. This is the one command allowed to import src/daemon.
import { Command, Flags } from '@oclif/core';
import { kboxHome } from '../../src/cli/paths.js';
import { runDaemon } from '../../src/daemon/daemon.js';
import { jsonLogger } from '../../src/daemon/log.js';

export default class DaemonRun extends Command {
  static override hidden = true;
  static override description =
    'Run a cluster daemon in the foreground (started by `kbox cluster start`)';

  static override flags = {
    name: Flags.string({ description: 'cluster name', default: 'default' }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(DaemonRun);
    const log = jsonLogger((line) => process.stdout.write(line));
    try {
      await runDaemon({ name: flags.name, home: kboxHome(), log });
    } catch (err) {
      log.error('daemon failed', { error: (err as Error).message });
      this.exit(1);
    }
  }
}
