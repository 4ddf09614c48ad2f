// Workloads with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob):
// upstream defaults, a reset status on create, template validation, and the immutable selector.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { fromLabelSelector } from '../../../../api/labels.js';
import { invalidValue, notSupported, required } from '../../../../api/validation.js';
import { defaultPodSpec, validatePodSpec } from '../../core/pods/defaults.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where the pod template lives in each kind's spec. */
function templateOf(spec: Json, kind: string): Json | undefined {
  if (kind === 'CronJob') {
    const jt = spec.jobTemplate;
    if (!isRecord(jt) || !isRecord(jt.spec)) return undefined;
    return isRecord(jt.spec.template) ? jt.spec.template : undefined;
  }
  return isRecord(spec.template) ? spec.template : undefined;
}

const templatePath = (kind: string): string =>
  kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';

function defaultKindSpec(kind: string, spec: Json): void {
  switch (kind) {
    case 'Deployment':
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      if (!isRecord(spec.strategy)) spec.strategy = { type: 'RollingUpdate' };
      if (isRecord(spec.strategy)) {
        spec.strategy.type ??= 'RollingUpdate';
        if (spec.strategy.type === 'RollingUpdate') {
          const ru = isRecord(spec.strategy.rollingUpdate) ? spec.strategy.rollingUpdate : {};
          ru.maxUnavailable ??= '25%';
          ru.maxSurge ??= '25%';
          spec.strategy.rollingUpdate = ru;
        }
      }
      break;
    case 'ReplicaSet':
      spec.replicas ??= 1;
      break;
    case 'StatefulSet': {
      // SetDefaults_StatefulSet: a missing strategy becomes RollingUpdate with a rollingUpdate;
      // an explicit RollingUpdate keeps a missing rollingUpdate missing.
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.revisionHistoryLimit ??= 10;
      const policy = isRecord(spec.persistentVolumeClaimRetentionPolicy)
        ? spec.persistentVolumeClaimRetentionPolicy
        : {};
      policy.whenDeleted ??= 'Retain';
      policy.whenScaled ??= 'Retain';
      spec.persistentVolumeClaimRetentionPolicy = policy;
      const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
      if (!strategy.type) {
        strategy.type = 'RollingUpdate';
        strategy.rollingUpdate ??= {};
      }
      if (strategy.type === 'RollingUpdate' && isRecord(strategy.rollingUpdate)) {
        strategy.rollingUpdate.partition ??= 0;
      }
      spec.updateStrategy = strategy;
      break;
    }
    case 'DaemonSet': {
      spec.revisionHistoryLimit ??= 10;
      const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
      strategy.type ||= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
        strategy.rollingUpdate = ru;
      }
      spec.updateStrategy = strategy;
      break;
    }
    case 'Job':
      spec.parallelism ??= 1;
      spec.backoffLimit ??= 6;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      spec.podReplacementPolicy ??= 'TerminatingOrFailed';
      if (spec.completions === undefined && spec.parallelism !== undefined) {
        spec.completions = spec.parallelism === 1 ? 1 : spec.completions;
      }
      break;
    case 'CronJob':
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      break;
  }
}

function templateLabels(template: Json | undefined): Record<string, string> {
  const meta = template && isRecord(template.metadata) ? template.metadata : {};
  return (isRecord(meta.labels) ? meta.labels : {}) as Record<string, string>;
}

function goMap(labels: Record<string, string>): string {
  const entries = Object.keys(labels)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(labels[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** A workload strategy for one kind. Jobs generate their selector; the others require one. */
export function workloadStrategy(kind: string): Strategy {
  const needsSelector = kind !== 'Job' && kind !== 'CronJob';
  return {
    defaults(obj) {
      if (!isRecord(obj.spec)) return;
      defaultKindSpec(kind, obj.spec);
      const template = templateOf(obj.spec, kind);
      if (template && isRecord(template.spec)) {
        defaultPodSpec(template.spec);
      }
    },
    prepareForCreate(obj) {
      obj.status = {};
      if (kind === 'Job' && isRecord(obj.spec)) {
        // Upstream generates a selector on the job's uid unless manualSelector is set.
        const uid = obj.metadata.uid ?? '';
        const spec = obj.spec;
        if (spec.manualSelector !== true) {
          spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
          const template = templateOf(spec, kind);
          if (template) {
            const meta = isRecord(template.metadata) ? template.metadata : {};
            meta.labels = {
              ...templateLabels(template),
              'batch.kubernetes.io/controller-uid': uid,
              'batch.kubernetes.io/job-name': obj.metadata.name ?? '',
              'controller-uid': uid,
              'job-name': obj.metadata.name ?? '',
            };
            template.metadata = meta;
          }
        }
      }
    },
    validate(obj: KubeObject): FieldError[] {
      if (!isRecord(obj.spec)) return [required('spec')];
      const spec = obj.spec;
      const errs: FieldError[] = [];
      const template = templateOf(spec, kind);
      const tpath = templatePath(kind);
      if (!template) errs.push(required(tpath));
      else errs.push(...validatePodSpec(template.spec, `${tpath}.spec`));
      for (const f of ['replicas', 'parallelism', 'completions', 'backoffLimit']) {
        const v = spec[f];
        if (
          v !== undefined &&
          v !== null &&
          (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        ) {
          errs.push(invalidValue(`spec.${f}`, v, 'must be greater than or equal to 0'));
        }
      }
      if (needsSelector) {
        if (!isRecord(spec.selector)) errs.push(required('spec.selector'));
        else if (template) {
          const labels = templateLabels(template);
          const selector = fromLabelSelector(spec.selector);
          if (selector.isEmpty()) {
            errs.push(
              invalidValue(
                'spec.selector',
                spec.selector,
                'empty selector is invalid for deployment'.replace(
                  'deployment',
                  kind.toLowerCase(),
                ),
              ),
            );
          } else if (!selector.matches(labels)) {
            errs.push(
              invalidValue(
                `${tpath}.metadata.labels`,
                goMap(labels),
                '`selector` does not match template `labels`',
              ),
            );
          }
        }
      }
      const podSpec = template && isRecord(template.spec) ? template.spec : undefined;
      if ((kind === 'Job' || kind === 'CronJob') && podSpec) {
        if (podSpec.restartPolicy !== 'OnFailure' && podSpec.restartPolicy !== 'Never') {
          errs.push(
            notSupported(`${tpath}.spec.restartPolicy`, podSpec.restartPolicy, [
              'OnFailure',
              'Never',
            ]),
          );
        }
      }
      if (kind === 'CronJob' && (typeof spec.schedule !== 'string' || spec.schedule === '')) {
        errs.push(required('spec.schedule'));
      }
      return errs;
    },
    validateUpdate(obj, old) {
      const spec = (obj.spec ?? {}) as Json;
      const oldSpec = (old.spec ?? {}) as Json;
      if (kind === 'CronJob') return [];
      if (JSON.stringify(spec.selector) !== JSON.stringify(oldSpec.selector)) {
        return [invalidValue('spec.selector', spec.selector, 'field is immutable')];
      }
      return [];
    },
  };
}
