import { Flags } from '@oclif/core';
import type { KubeObject } from '../src/api/types.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { createObject, CreatePrinter } from '../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../src/cli/flags.js';
import { serviceObject } from '../src/cli/generators.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover, resolveResource } from '../src/cli/resources.js';
import { resourcePath } from '../src/client/rest.js';

const EXPOSABLE = new Set(['Pod', 'Service', 'ReplicationController', 'Deployment', 'ReplicaSet']);

export default class Expose extends KubeCommand {
  static override description =
    "Expose a pod, service, deployment, replica set or replication controller as a new Service, selecting the object's pods";

  static override strict = false;

  static override usage =
    'expose TYPE NAME | TYPE/NAME [--port=PORT] [--target-port=PORT] [--type=TYPE] [--name=NAME]';

  static override examples = [
    '<%= config.bin %> expose deployment web --port=80 --target-port=8080',
    '<%= config.bin %> expose pod web --port=80 --type=NodePort',
  ];

  static override flags = {
    port: Flags.integer({ description: 'the port the service serves on (default: introspected)' }),
    'target-port': Flags.string({ description: 'the port (number or name) on the pods' }),
    protocol: Flags.string({ description: 'the protocol', options: ['TCP', 'UDP', 'SCTP'] }),
    type: Flags.string({
      description: 'the service type',
      options: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
    }),
    name: Flags.string({ description: "the name of the new service (default: the object's)" }),
    labels: Flags.string({ char: 'l', description: 'labels for the service, k=v,k2=v2' }),
    selector: Flags.string({
      description: "the service's selector, k=v,k2=v2 (default: introspected)",
    }),
    'session-affinity': Flags.string({
      description: 'the session affinity',
      options: ['None', 'ClientIP'],
    }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Expose);
    const words = argv as string[];
    const [type, name] =
      words.length === 1 && words[0]?.includes('/')
        ? (words[0].split('/', 2) as [string, string])
        : [words[0], words[1]];
    if (!type || !name) {
      throw new CliError('you must provide one or more resources by argument or filename');
    }
    const target = this.target(flags);
    const all = await discover(target.client);
    const r = resolveResource(all, type);
    if (!EXPOSABLE.has(r.kind)) throw new CliError(`cannot expose a ${r.kind}`);
    const namespace = flags.namespace ?? target.namespace;
    const obj = await target.client.call<KubeObject>('GET', resourcePath(r, namespace, name));
    const services = resolveResource(all, 'services');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      services,
      namespace,
      serviceObject({
        target: obj,
        name: flags.name,
        namespace: flags.namespace,
        port: flags.port,
        targetPort: flags['target-port'],
        protocol: flags.protocol,
        type: flags.type,
        labels: flags.labels,
        selector: flags.selector,
        sessionAffinity: flags['session-affinity'],
      }),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s), 'exposed'),
    );
  }
}
