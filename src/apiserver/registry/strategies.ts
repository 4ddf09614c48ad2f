// The literal registry of per-resource strategies, keyed by `group/resource`.
import type { Storage } from '../../storage/interface.js';
import { StampedReads } from '../../storage/stamped.js';
import { workloadStrategy } from './apps/workloads/strategy.js';
import { configMapStrategy, secretStrategy } from './core/configmaps/strategy.js';
import { coreEventStrategy, eventsV1EventStrategy } from './core/events/strategy.js';
import { endpointsStrategy } from './core/endpoints/strategy.js';
import { namespaceStrategy } from './core/namespaces/strategy.js';
import { nodeStrategy } from './core/nodes/strategy.js';
import { persistentVolumeClaimStrategy } from './core/persistentvolumeclaims/strategy.js';
import { persistentVolumeStrategy } from './core/persistentvolumes/strategy.js';
import { endpointSliceStrategy } from './discovery/endpointslices/strategy.js';
import { storageClassStrategy } from './storage/storageclasses/strategy.js';
import { withPriorityAdmission } from './core/pods/priority.js';
import { withServiceAccountAdmission } from './core/pods/serviceaccount.js';
import { podStrategy } from './core/pods/strategy.js';
import { randomSuffix } from './store.js';
import {
  DEFAULT_SERVICE_NETWORK,
  serviceStrategy,
  type ServiceNetwork,
} from './core/services/strategy.js';
import { priorityClassStrategy } from './scheduling/priorityclasses/strategy.js';
import type { Strategy } from './strategy.js';

export const PRIORITY_CLASS_PREFIX = '/scheduling.k8s.io/priorityclasses/';
const STORAGE_CLASS_PREFIX = '/storage.k8s.io/storageclasses/';

export function buildStrategies(
  storage: Storage,
  network: ServiceNetwork = DEFAULT_SERVICE_NETWORK,
): Record<string, Strategy> {
  // Every pod create reads its service account and the priority classes (the global default).
  const priorityClasses = new StampedReads(storage, PRIORITY_CLASS_PREFIX);
  const serviceAccounts = new StampedReads(storage, '/core/serviceaccounts/');
  // Every claim create reads the storage classes (DefaultStorageClass admission).
  const storageClasses = new StampedReads(storage, STORAGE_CLASS_PREFIX);
  const classes = {
    get: (name: string) => priorityClasses.get(`${PRIORITY_CLASS_PREFIX}${name}`),
    list: () => priorityClasses.list(),
  };
  return {
    '/configmaps': configMapStrategy,
    '/endpoints': endpointsStrategy,
    '/events': coreEventStrategy,
    'events.k8s.io/events': eventsV1EventStrategy,
    '/namespaces': namespaceStrategy,
    '/nodes': nodeStrategy,
    '/persistentvolumeclaims': persistentVolumeClaimStrategy(() => storageClasses.list()),
    '/persistentvolumes': persistentVolumeStrategy,
    '/pods': withPriorityAdmission(
      withServiceAccountAdmission(
        podStrategy,
        (ns, name) => serviceAccounts.get(`/core/serviceaccounts/${ns}/${name}`),
        randomSuffix,
      ),
      classes,
    ),
    '/secrets': secretStrategy,
    '/services': serviceStrategy(network, () => storage.list('/core/services/').items),
    'apps/deployments': workloadStrategy('Deployment'),
    'apps/replicasets': workloadStrategy('ReplicaSet'),
    'apps/statefulsets': workloadStrategy('StatefulSet'),
    'apps/daemonsets': workloadStrategy('DaemonSet'),
    'batch/jobs': workloadStrategy('Job'),
    'batch/cronjobs': workloadStrategy('CronJob'),
    'discovery.k8s.io/endpointslices': endpointSliceStrategy,
    'scheduling.k8s.io/priorityclasses': priorityClassStrategy(classes.list),
    'storage.k8s.io/storageclasses': storageClassStrategy,
  };
}
