import { Flags } from '@oclif/core';
import { isStatusError } from '../src/api/status.js';
import { attachToNewPod, completed, podPhase, succeeded, waitForPod } from '../src/cli/attach.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { parseDuration } from '../src/cli/duration.js';
import { createObject, CreatePrinter } from '../src/cli/create.js';
import {
  dryRunFlag,
  fieldManagerFlag,
  goBooleans,
  objectOutputFlag,
  positionals,
} from '../src/cli/flags.js';
import { podObject } from '../src/cli/generators.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover, resolveResource, type ApiResource } from '../src/cli/resources.js';
import type { KubeClient } from '../src/client/rest.js';

const BOOLEANS = ['stdin', 'tty', 'attach', 'leave-stdin-open', 'rm', 'quiet', 'command'];

export default class Run extends KubeCommand {
  static override description = 'Create and run a particular image in a pod';

  static override strict = false;

  static override usage =
    'run NAME --image=IMAGE [--env=K=V] [--port=PORT] [--command] -- [COMMAND] [ARGS...]';

  static override examples = [
    '<%= config.bin %> run web --image=nginx --port=80',
    '<%= config.bin %> run job --image=busybox --restart=Never -- sh -c "echo hello"',
    '<%= config.bin %> run sleeper --image=busybox --command -- sleep 3600',
    '<%= config.bin %> run -i -t --rm shell --image=busybox --restart=Never',
    'echo hi | <%= config.bin %> run -i --rm -q t --image=busybox --restart=Never -- cat',
  ];

  static override flags = {
    image: Flags.string({ description: 'the image for the container (required)', required: true }),
    port: Flags.integer({ description: 'the port the container exposes', default: -1 }),
    env: Flags.string({ description: 'an environment variable K=V (repeatable)', multiple: true }),
    labels: Flags.string({
      char: 'l',
      description: 'labels for the pod, k=v,k2=v2 (default run=NAME)',
    }),
    restart: Flags.string({
      description: 'the pod restart policy',
      options: ['Always', 'OnFailure', 'Never'],
      default: 'Always',
    }),
    command: Flags.boolean({
      allowNo: true,
      description: 'the words after -- are the command, not the arguments of the image entrypoint',
      default: false,
    }),
    stdin: Flags.boolean({
      allowNo: true,
      char: 'i',
      description: 'keep stdin open on the container (and attach to it, unless --attach=false)',
      default: false,
    }),
    tty: Flags.boolean({
      allowNo: true,
      char: 't',
      description: 'allocate a TTY for the container',
      default: false,
    }),
    attach: Flags.boolean({
      description:
        'wait for the pod to run, then attach to it; with --restart=Never the exit code of the container is returned (default: true with -i)',
      allowNo: true,
    }),
    'leave-stdin-open': Flags.boolean({
      allowNo: true,
      description: "leave the container's stdin open after the first attach ends",
      default: false,
    }),
    rm: Flags.boolean({
      allowNo: true,
      description: 'delete the pod after it exits (only when attaching)',
      default: false,
    }),
    quiet: Flags.boolean({
      allowNo: true,
      char: 'q',
      description: 'suppress prompt messages',
      default: false,
    }),
    'pod-running-timeout': Flags.string({
      description: 'how long to wait until the pod is running (e.g. 5s, 2m)',
      default: '1m0s',
    }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, raw } = await this.parse(Run, goBooleans(this.argv, BOOLEANS));
    const [name, ...rest] = positionals(raw);
    if (!name) throw new CliError('NAME is required for run');
    const attach = flags.attach ?? flags.stdin;
    const dryRun = flags['dry-run'] as DryRun;
    // kubectl's Validate, in its order; its errors are usage errors.
    const usage = (message: string): CliError =>
      new CliError(`${message}\nSee '${this.config.bin} run -h' for help and examples`);
    if (flags.tty && !flags.stdin) {
      throw usage('-i/--stdin is required for containers with -t/--tty=true');
    }
    if (!attach && flags.rm) throw usage('--rm should only be used for attached containers');
    if (attach && dryRun !== 'none') {
      throw usage(
        "--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)",
      );
    }
    const timeoutMs = parseDuration(flags['pod-running-timeout']);
    if (timeoutMs <= 0) throw new CliError('--pod-running-timeout must be higher than zero');
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'pods');
    const namespace = flags.namespace ?? target.namespace;
    await createObject(
      target.client,
      r,
      namespace,
      podObject({
        name,
        namespace: flags.namespace,
        image: flags.image,
        port: flags.port,
        env: flags.env ?? [],
        labels: flags.labels,
        restart: flags.restart,
        rest,
        command: flags.command,
        stdin: flags.stdin,
        leaveStdinOpen: flags['leave-stdin-open'],
        tty: flags.tty,
      }),
      dryRun,
      flags['field-manager'],
      // Attached, kubectl prints nothing about the pod it made.
      new CreatePrinter(flags.output, dryRun, (s) => {
        if (!attach) process.stdout.write(s);
      }),
    );
    if (!attach) return;
    let exit: { code: number; text: string } | undefined;
    try {
      exit = await this.#attached(target.client, namespace, name, timeoutMs, flags);
    } finally {
      if (flags.rm) await this.#remove(target.client, r, namespace, name, flags.quiet);
    }
    if (exit) {
      // kubectl prints an exit error's text as it is (no "error: "), after the --rm deletion.
      process.stderr.write(exit.text.endsWith('\n') ? exit.text : `${exit.text}\n`);
      this.exit(exit.code);
    }
  }

  /**
   * run.go after the attach: when the policy lets the pod end, waits for it; a failed container
   * is its exit code and kubectl's text for it.
   */
  async #attached(
    client: KubeClient,
    namespace: string,
    name: string,
    timeoutMs: number,
    flags: {
      stdin: boolean;
      tty: boolean;
      quiet: boolean;
      restart: string;
      'leave-stdin-open': boolean;
    },
  ): Promise<{ code: number; text: string } | undefined> {
    await attachToNewPod(client, namespace, name, timeoutMs, {
      stdin: flags.stdin,
      tty: flags.tty,
      quiet: flags.quiet,
      commandName: `${this.config.bin} attach`,
    });
    const policy = flags.restart;
    if (flags['leave-stdin-open'] || (policy !== 'Never' && policy !== 'OnFailure')) return;
    const pod = await waitForPod(
      client,
      namespace,
      name,
      timeoutMs,
      policy === 'OnFailure' ? succeeded : completed,
    );
    const phase = podPhase(pod);
    if (phase === 'Succeeded') return;
    const where = `${pod.metadata.namespace ?? namespace}/${name}`;
    if (phase !== 'Failed') throw new CliError(`pod ${where} left in phase ${phase}`);
    const terminated = (
      pod.status as
        { containerStatuses?: Array<{ state?: { terminated?: TerminatedState } }> } | undefined
    )?.containerStatuses?.[0]?.state?.terminated;
    if (!terminated || terminated.exitCode === 0) {
      throw new CliError(`pod ${where} failed with unknown exit code`);
    }
    return {
      code: terminated.exitCode,
      text: `pod ${where} terminated (${terminated.reason ?? ''})\n${terminated.message ?? ''}`,
    };
  }

  /** --rm: kubectl's delete with --ignore-not-found, no wait, the default grace period. */
  async #remove(
    client: KubeClient,
    r: ApiResource,
    namespace: string,
    name: string,
    quiet: boolean,
  ): Promise<void> {
    try {
      await client.delete(r, namespace, name, { propagationPolicy: 'Background' });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    if (!quiet) process.stdout.write(`pod "${name}" deleted\n`);
  }
}

interface TerminatedState {
  exitCode: number;
  reason?: string;
  message?: string;
}
