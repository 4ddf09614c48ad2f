import { Flags } from '@oclif/core';
import { attachSession, podPhase } from '../src/cli/attach.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { parseDuration } from '../src/cli/duration.js';
import { positionals } from '../src/cli/flags.js';
import { podFor } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';
import type { ResourceRef } from '../src/client/rest.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

export default class Attach extends KubeCommand {
  static override description =
    'Attach to a process that is already running inside an existing container';

  static override strict = false;

  static override usage = 'attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] [-q]';

  static override examples = [
    '<%= config.bin %> attach web',
    '<%= config.bin %> attach web -c app -i -t',
    '<%= config.bin %> attach deploy/web',
  ];

  static override flags = {
    container: Flags.string({ char: 'c', description: 'the container (default: the first)' }),
    stdin: Flags.boolean({ char: 'i', description: 'pass stdin to the container', default: false }),
    tty: Flags.boolean({ char: 't', description: 'stdin is a TTY', default: false }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'only print output from the remote session',
      default: false,
    }),
    'pod-running-timeout': Flags.string({
      description: 'how long to wait until at least one pod is running (e.g. 5s, 2m)',
      default: '1m0s',
    }),
  };

  public async run(): Promise<void> {
    const { flags, raw } = await this.parse(Attach);
    const args = positionals(raw);
    if (args.length === 0) throw new CliError('at least 1 argument is required for attach');
    if (args.length > 2) {
      throw new CliError(
        `expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`,
      );
    }
    if (parseDuration(flags['pod-running-timeout']) <= 0) {
      throw new CliError('--pod-running-timeout must be higher than zero');
    }
    const target = this.target(flags);
    const namespace = flags.namespace ?? target.namespace;
    const arg = args.length === 2 ? `${args[0] ?? ''}/${args[1] ?? ''}` : (args[0] ?? '');
    const name = arg.includes('/')
      ? await podFor(target.client, await discover(target.client), namespace, arg)
      : arg;
    const pod = await target.client.get(PODS, namespace, name);
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    }
    await attachSession(target.client, pod, {
      container: flags.container,
      stdin: flags.stdin,
      tty: flags.tty,
      quiet: flags.quiet,
      commandName: `${this.config.bin} attach`,
    });
  }
}
