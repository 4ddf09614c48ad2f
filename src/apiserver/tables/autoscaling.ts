// autoscaling/v1 Scale, the object of the workloads' scale subresource: upstream's printScale,
// which the scale REST's ConvertToTable reaches through the store's table convertor. Its Name
// column is the one column definition upstream leaves without the "name" format.

import { ageColumn, column } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { translateTimestampSince } from '../../api/duration.js';
import { int, rec } from './fields.js';
import type { TablePrinter } from './table.js';

export const scalePrinter: TablePrinter = {
  columns: [
    column('Name', 'string', fieldDoc['ObjectMeta.name']),
    column('Desired', 'integer', fieldDoc['ScaleSpec.replicas']),
    column('Available', 'integer', fieldDoc['ScaleStatus.replicas']),
    ageColumn,
  ],
  row(scale, now) {
    return {
      cells: [
        scale.metadata.name ?? '',
        int(rec(scale['spec'])['replicas']),
        int(rec(scale['status'])['replicas']),
        translateTimestampSince(scale.metadata.creationTimestamp, now),
      ],
    };
  },
};
