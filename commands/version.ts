import { Command } from '@oclif/core';
import { KBOX_VERSION, KUBERNETES_MAJOR, KUBERNETES_MINOR } from '../src/api/version.js';

export default class Version extends Command {
  static override description = 'Print the kbox version and the Kubernetes API version it serves';

  static override examples = ['<%= config.bin %> version'];

  public async run(): Promise<void> {
    await this.parse(Version);
    this.log(`kbox v${KBOX_VERSION}`);
    this.log(`Kubernetes API v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}`);
    this.log(`Node.js ${process.version} (${process.platform}/${process.arch})`);
  }
}
