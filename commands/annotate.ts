import { metadataEditFlags, MetadataEditCommand } from '../src/cli/metadata-edit-command.js';

export default class Annotate extends MetadataEditCommand {
  static override description =
    'Update the annotations on resources: KEY=VALUE sets, KEY- removes (a merge patch, as kubectl sends)';

  // oclif copies a command's own statics only, so `strict` is set here, not inherited.
  static override strict = false;

  static override usage = 'annotate TYPE NAME | TYPE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N [KEY-]';

  static override examples = [
    '<%= config.bin %> annotate pods web description="my frontend"',
    '<%= config.bin %> annotate deploy/web team=blue --overwrite',
    '<%= config.bin %> annotate pods --all team-',
  ];

  static override flags = metadataEditFlags('annotation');

  protected readonly field = 'annotations';
}
