// apps/v1: deployments, replicasets, statefulsets, daemonsets, controllerrevisions. Integer
// cells stay JSON numbers even under columns upstream declares as "string" (deployments).

import type { KubeObject } from '../../api/types.js';
import {
  ageColumn,
  column,
  containersColumn,
  imagesColumn,
  nameColumn,
  wideColumn,
} from './columns.js';
import { fieldDoc } from './descriptions.js';
import { translateTimestampSince } from '../../api/duration.js';
import { int, optInt, rec, strMap } from './fields.js';
import {
  formatLabelSelector,
  formatLabels,
  labelSelectorString,
  layoutContainerCells,
  templateContainers,
} from './format.js';
import type { TablePrinter } from './table.js';

const age = (obj: KubeObject, now: Date): string =>
  translateTimestampSince(obj.metadata.creationTimestamp, now);
const name = (obj: KubeObject): string => obj.metadata.name ?? '';

/** spec.replicas with the v1 default of 1 (upstream prints the defaulted internal object). */
const desiredReplicas = (spec: Record<string, unknown>): number => optInt(spec['replicas']) ?? 1;

export const deploymentPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', fieldDoc['DeploymentStatus.updatedReplicas']),
    column('Available', 'string', fieldDoc['DeploymentStatus.availableReplicas']),
    ageColumn,
    containersColumn,
    imagesColumn,
    wideColumn('Selector', 'string', fieldDoc['DeploymentSpec.selector']),
  ],
  row(d, now) {
    const spec = rec(d['spec']);
    const status = rec(d['status']);
    const [containers, images] = layoutContainerCells(templateContainers(spec));
    return {
      cells: [
        name(d),
        `${int(status['readyReplicas'])}/${desiredReplicas(spec)}`,
        int(status['updatedReplicas']),
        int(status['availableReplicas']),
        age(d, now),
        containers,
        images,
        // Unlike the other workloads, an empty selector prints as "" here, not <none>.
        labelSelectorString(spec['selector']) ?? '<invalid>',
      ],
    };
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'integer', fieldDoc['ReplicaSetSpec.replicas']),
    column('Current', 'integer', fieldDoc['ReplicaSetStatus.replicas']),
    column('Ready', 'integer', fieldDoc['ReplicaSetStatus.readyReplicas']),
    ageColumn,
    containersColumn,
    imagesColumn,
    wideColumn('Selector', 'string', fieldDoc['ReplicaSetSpec.selector']),
  ],
  row(rs, now) {
    const spec = rec(rs['spec']);
    const status = rec(rs['status']);
    const [containers, images] = layoutContainerCells(templateContainers(spec));
    return {
      cells: [
        name(rs),
        desiredReplicas(spec),
        int(status['replicas']),
        int(status['readyReplicas']),
        age(rs, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  row(sts, now) {
    const spec = rec(sts['spec']);
    const [containers, images] = layoutContainerCells(templateContainers(spec));
    return {
      cells: [
        name(sts),
        `${int(rec(sts['status'])['readyReplicas'])}/${desiredReplicas(spec)}`,
        age(sts, now),
        containers,
        images,
      ],
    };
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'integer', fieldDoc['DaemonSetStatus.desiredNumberScheduled']),
    column('Current', 'integer', fieldDoc['DaemonSetStatus.currentNumberScheduled']),
    column('Ready', 'integer', fieldDoc['DaemonSetStatus.numberReady']),
    column('Up-to-date', 'integer', fieldDoc['DaemonSetStatus.updatedNumberScheduled']),
    column('Available', 'integer', fieldDoc['DaemonSetStatus.numberAvailable']),
    column('Node Selector', 'string', fieldDoc['PodSpec.nodeSelector']),
    ageColumn,
    containersColumn,
    imagesColumn,
    wideColumn('Selector', 'string', fieldDoc['DaemonSetSpec.selector']),
  ],
  row(ds, now) {
    const spec = rec(ds['spec']);
    const status = rec(ds['status']);
    const [containers, images] = layoutContainerCells(templateContainers(spec));
    return {
      cells: [
        name(ds),
        int(status['desiredNumberScheduled']),
        int(status['currentNumberScheduled']),
        int(status['numberReady']),
        int(status['updatedNumberScheduled']),
        int(status['numberAvailable']),
        formatLabels(strMap(rec(rec(spec['template'])['spec'])['nodeSelector'])),
        age(ds, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};

/** The controlling owner as `kind.group/name` in lower case (formatResourceName with kind). */
function controllerName(obj: KubeObject): string {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (ref === undefined) return '<none>';
  const parts = ref.apiVersion.split('/');
  // ParseGroupVersion: "v1" is the core group, "apps/v1" names one; anything else is malformed.
  const group = parts.length === 2 ? (parts[0] ?? '') : '';
  if (group === '' && ref.kind === '') return ref.name;
  const groupKind = group === '' ? ref.kind : `${ref.kind}.${group}`;
  return `${groupKind.toLowerCase()}/${ref.name}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', fieldDoc['ControllerRevision.revision']),
    ageColumn,
  ],
  row(cr, now) {
    return { cells: [name(cr), controllerName(cr), int(cr['revision']), age(cr, now)] };
  },
};
