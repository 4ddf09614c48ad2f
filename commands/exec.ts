import { Flags } from '@oclif/core';
import { containerToAttach } from '../src/cli/attach.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { positionals } from '../src/cli/flags.js';
import { podFor } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';
import { rawTerminal } from '../src/cli/terminal.js';
import { execInPod } from '../src/client/exec.js';
import type { ResourceRef } from '../src/client/rest.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

export default class Exec extends KubeCommand {
  static override description = 'Execute a command in a container';

  static override strict = false;

  static override usage = 'exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]';

  static override examples = [
    '<%= config.bin %> exec web -- ls /',
    '<%= config.bin %> exec -it web -c app -- sh',
    'echo hello | <%= config.bin %> exec -i web -- cat',
  ];

  static override flags = {
    container: Flags.string({ char: 'c', description: 'the container (default: the first)' }),
    stdin: Flags.boolean({ char: 'i', description: 'pass stdin to the container', default: false }),
    tty: Flags.boolean({ char: 't', description: 'stdin is a TTY', default: false }),
  };

  public async run(): Promise<void> {
    const { flags, raw } = await this.parse(Exec);
    const [podArg, ...command] = positionals(raw);
    if (!podArg) throw new CliError('expected POD and a command: exec POD -- COMMAND [ARGS...]');
    if (command.length === 0)
      throw new CliError('you must specify at least one command for the container');
    const target = this.target(flags);
    const namespace = flags.namespace ?? target.namespace;
    // POD, pod/POD, or TYPE/NAME (deploy/web, svc/web...) resolved to one of its pods.
    const pod = podArg.includes('/')
      ? await podFor(target.client, await discover(target.client), namespace, podArg)
      : podArg;
    // As kubectl: the pod must exist and not be finished; without -c, the default container.
    const obj = await target.client.get(PODS, namespace, pod);
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw new CliError(
        `cannot exec into a container in a completed pod; current phase is ${phase}`,
      );
    }
    const container =
      flags.container ??
      containerToAttach(obj, undefined, false, (s) => process.stderr.write(s)).name;
    const tty = flags.tty && flags.stdin && process.stdin.isTTY === true;
    if (flags.tty && !tty) {
      process.stderr.write(
        'Unable to use a TTY - input is not a terminal or the right kind of file\n',
      );
    }
    const restore = tty ? rawTerminal() : undefined;
    let code: number;
    try {
      code = await execInPod(target.client, {
        namespace,
        pod,
        container,
        command,
        stdin: flags.stdin ? process.stdin : undefined,
        stdout: process.stdout,
        stderr: process.stderr,
        tty,
        size: () => ({ width: process.stdout.columns ?? 80, height: process.stdout.rows ?? 24 }),
        onResize: (l) => process.stdout.on('resize', l),
      });
    } finally {
      restore?.();
      process.stdin.pause();
    }
    if (code !== 0) {
      process.stderr.write(`command terminated with exit code ${code}\n`);
      this.exit(code);
    }
  }
}
