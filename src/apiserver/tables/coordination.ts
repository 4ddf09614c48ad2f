// coordination.k8s.io/v1 leases.

import { ageColumn, column, nameColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { translateTimestampSince } from '../../api/duration.js';
import { rec, str } from './fields.js';
import type { TablePrinter } from './table.js';

export const leasePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Holder', 'string', fieldDoc['LeaseSpec.holderIdentity']),
    ageColumn,
  ],
  row(lease, now) {
    return {
      cells: [
        lease.metadata.name ?? '',
        str(rec(lease['spec'])['holderIdentity']),
        translateTimestampSince(lease.metadata.creationTimestamp, now),
      ],
    };
  },
};
