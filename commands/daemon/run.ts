// The daemon process in the foreground. `kbox cluster start` launches the same code detached
// (src/daemon/main.ts). This is the one command allowed to import src/daemon.
import { Command, Flags } from '@oclif/core';
import { main } from '../../src/daemon/main.js';

export default class DaemonRun extends Command {
  static override hidden = true;
  static override description =
    'Run a cluster daemon in the foreground (started by `kbox cluster start`)';

  static override flags = {
    name: Flags.string({ description: 'cluster name', default: 'default' }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(DaemonRun);
    const code = await main(['--name', flags.name]);
    if (code !== 0) this.exit(code);
  }
}
