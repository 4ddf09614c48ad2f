// scheduling.k8s.io/v1 priorityclasses.

import { ageColumn, column, nameColumn } from './columns.js';
import { translateTimestampSince } from '../../api/duration.js';
import { int, optBool, optStr } from './fields.js';
import type { TablePrinter } from './table.js';

export const priorityClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      'Value',
      'integer',
      'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
    ),
    column(
      'Global-Default',
      'boolean',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
    ),
    ageColumn,
    column(
      'PreemptionPolicy',
      'string',
      'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
    ),
  ],
  row(pc, now) {
    return {
      cells: [
        pc.metadata.name ?? '',
        int(pc['value']),
        optBool(pc['globalDefault']) ?? false,
        translateTimestampSince(pc.metadata.creationTimestamp, now),
        optStr(pc['preemptionPolicy']) ?? 'PreemptLowerPriority',
      ],
    };
  },
};
