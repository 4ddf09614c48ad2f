import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { runDescribe } from '../src/cli/describe.js';
import { discover } from '../src/cli/resources.js';

export default class Describe extends KubeCommand {
  static override description =
    "Show the details of objects in kubectl's describe layout, with their events at the end";

  static override strict = false;

  static override usage = 'describe TYPE [NAME_PREFIX...] | TYPE/NAME... [-l SEL] [-A]';

  static override examples = [
    '<%= config.bin %> describe pod web-7d9c5',
    '<%= config.bin %> describe deploy/web',
    '<%= config.bin %> describe nodes',
    '<%= config.bin %> describe pods -l app=web -A',
  ];

  static override flags = {
    selector: Flags.string({ char: 'l', description: 'label selector choosing what to describe' }),
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'describe objects of every namespace',
      default: false,
    }),
    // A value flag, as kubectl's `--show-events=false` is what users type.
    'show-events': Flags.string({
      description: 'end each description with the events about the object (true or false)',
      options: ['true', 'false'],
      default: 'true',
    }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Describe);
    const target = this.target(flags);
    await runDescribe(
      target.client,
      await discover(target.client),
      argv as string[],
      {
        namespace: flags.namespace ?? target.namespace,
        allNamespaces: flags['all-namespaces'],
        selector: flags.selector,
        showEvents: flags['show-events'] === 'true',
      },
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  }
}
