// Column-definition builders shared by the printers. Kept apart from table.ts so that printer
// modules depend on table.ts for types only (no runtime import cycle).

import { fieldDoc } from './descriptions.js';
import type { TableColumnDefinition } from './table.js';

/** Builds a column definition; upstream's zero values are spelled out because JSON keeps them. */
export function column(
  name: string,
  type: string,
  description: string,
  opts: { format?: string; priority?: number } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** A priority-1 column: sent always, shown by kubectl only with `-o wide`. */
export function wideColumn(name: string, type: string, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

/** The Name column every printer starts with. */
export const nameColumn: TableColumnDefinition = column(
  'Name',
  'string',
  fieldDoc['ObjectMeta.name'],
  {
    format: 'name',
  },
);

export const ageColumnDoc = fieldDoc['ObjectMeta.creationTimestamp'];

/** The Age column: creationTimestamp through translateTimestampSince. */
export const ageColumn: TableColumnDefinition = column('Age', 'string', ageColumnDoc);

export const containersColumn = wideColumn(
  'Containers',
  'string',
  'Names of each container in the template.',
);

export const imagesColumn = wideColumn(
  'Images',
  'string',
  'Images referenced by each container in the template.',
);
