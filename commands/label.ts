import { metadataEditFlags, MetadataEditCommand } from '../src/cli/metadata-edit-command.js';

export default class Label extends MetadataEditCommand {
  static override description =
    'Update the labels on resources: KEY=VALUE sets, KEY- removes (a merge patch, as kubectl sends)';

  // oclif copies a command's own statics only, so `strict` is set here, not inherited.
  static override strict = false;

  static override usage = 'label TYPE NAME | TYPE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N [KEY-]';

  static override examples = [
    '<%= config.bin %> label pods web tier=frontend',
    '<%= config.bin %> label deploy/web team=blue --overwrite',
    '<%= config.bin %> label pods --all team-',
  ];

  static override flags = metadataEditFlags('label');

  protected readonly field = 'labels';
}
