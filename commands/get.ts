import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { runGet } from '../src/cli/get.js';

export default class Get extends KubeCommand {
  static override description = 'Display one or many resources, with the columns kubectl shows';

  static override strict = false;

  static override examples = [
    '<%= config.bin %> get pods',
    '<%= config.bin %> get deploy/web -o yaml',
    '<%= config.bin %> get all -A',
    '<%= config.bin %> get pods -l app=web -w',
    '<%= config.bin %> get pods --sort-by=.metadata.creationTimestamp',
    '<%= config.bin %> get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image',
  ];

  static override args = {
    type: Args.string({ description: 'TYPE, TYPE/NAME or TYPE1,TYPE2', required: true }),
  };

  static override flags = {
    output: Flags.string({
      char: 'o',
      description:
        'output format: wide, yaml, json, name, jsonpath=TEMPLATE, custom-columns=SPEC, custom-columns-file=FILE',
    }),
    selector: Flags.string({ char: 'l', description: 'label selector, e.g. app=web,tier!=db' }),
    'field-selector': Flags.string({ description: 'field selector, e.g. status.phase=Running' }),
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'list across all namespaces',
      default: false,
    }),
    watch: Flags.boolean({
      char: 'w',
      description: 'after listing, watch for changes',
      default: false,
    }),
    'show-labels': Flags.boolean({ description: 'show labels as the last column', default: false }),
    'sort-by': Flags.string({
      description: 'sort the list by this JSONPath field, e.g. .metadata.name or {.spec.replicas}',
    }),
    'no-headers': Flags.boolean({ description: 'omit the header row', default: false }),
    'show-managed-fields': Flags.boolean({
      description: 'keep the managedFields when printing objects in JSON or YAML format',
      default: false,
    }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Get);
    await runGet(this.target(flags), argv as string[], flags);
  }
}
