// The label and field selection of a list, watch or deletecollection request, built once per
// request and applied to each object.
import type { KubeObject } from '../api/types.js';
import { fromLabelSelector, parseSelector } from '../api/labels.js';
import { parseFieldSelector, selectableFields, validateFieldSelector } from '../api/fields.js';
import type { ResourceInfo } from './resources.js';

export interface ObjectFilter {
  /** True when nothing is filtered out. */
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  /** The string form of a metav1.LabelSelector (for Scale's status.selector). */
  selectorString(selector: unknown): string;
}

export function buildFilter(
  info: Pick<ResourceInfo, 'group' | 'resource'>,
  labelSelector: string,
  fieldSelector: string,
): ObjectFilter {
  const labels = parseSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  validateFieldSelector(info.group, info.resource, fields);
  const empty = labels.isEmpty() && fields.isEmpty();
  return {
    empty,
    matches(obj) {
      if (empty) return true;
      if (!labels.isEmpty() && !labels.matches(obj.metadata.labels ?? {})) return false;
      return fields.isEmpty() || fields.matches(selectableFields(info.group, info.resource, obj));
    },
    selectorString(selector) {
      if (typeof selector !== 'object' || selector === null) return '';
      return fromLabelSelector(selector).toString();
    },
  };
}
