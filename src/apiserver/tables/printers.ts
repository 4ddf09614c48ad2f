// The literal registry of resource-specific printers, keyed by `group/resource` (core group "").
// A resource missing here gets the generic Name / Created At table, as on a real apiserver.

import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './apps.js';
import { scalePrinter } from './autoscaling.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { leasePrinter } from './coordination.js';
import {
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from './core.js';
import { endpointSlicePrinter } from './discovery.js';
import { coreEventPrinter, eventsV1EventPrinter } from './events.js';
import { podPrinter } from './pods.js';
import { priorityClassPrinter } from './scheduling.js';
import {
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  storageClassPrinter,
} from './storage.js';
import type { TablePrinter } from './table.js';

const printers: ReadonlyMap<string, TablePrinter> = new Map([
  ['/pods', podPrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/events', coreEventPrinter],
  ['/namespaces', namespacePrinter],
  ['/nodes', nodePrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  // The scale subresource's object, keyed by its kind's group and the subresource name.
  ['autoscaling/scale', scalePrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['events.k8s.io/events', eventsV1EventPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
]);

/** The resource-specific printer, if kube-apiserver 1.32 has one that kbox reproduces. */
export function printerFor(group: string, resource: string): TablePrinter | undefined {
  return printers.get(`${group}/${resource}`);
}
