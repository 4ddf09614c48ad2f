// Workloads with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob):
// upstream defaults, a reset status on create, template validation, and the immutable selector.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { parseSchedule, validTimeZone } from '../../../../api/cron.js';
import { fromLabelSelector } from '../../../../api/labels.js';
import {
  forbidden,
  goStringIntOrString,
  goStringLabelSelector,
  goStringMap,
  invalidRendered,
  invalidValue,
  notSupported,
  notSupportedRendered,
  required,
} from '../../../../api/validation.js';
import {
  defaultClaimSpec,
  defaultPodSpec,
  defaultString,
  validatePodSpec,
} from '../../core/pods/defaults.js';
import { sortedJson } from '../../store.js';
import type { Strategy } from '../../strategy.js';

/** apps/v1's form of a DaemonSet's TemplateGeneration (see the DaemonSet controller). */
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

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
      if (!isRecord(spec.strategy)) spec.strategy = {};
      if (isRecord(spec.strategy)) {
        defaultString(spec.strategy, 'type', 'RollingUpdate');
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
      defaultString(spec, 'podManagementPolicy', 'OrderedReady');
      spec.revisionHistoryLimit ??= 10;
      const policy = isRecord(spec.persistentVolumeClaimRetentionPolicy)
        ? spec.persistentVolumeClaimRetentionPolicy
        : {};
      defaultString(policy, 'whenDeleted', 'Retain');
      defaultString(policy, 'whenScaled', 'Retain');
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
      // Each claim template is a PersistentVolumeClaim, defaulted as one (its status too).
      if (Array.isArray(spec.volumeClaimTemplates)) {
        for (const t of spec.volumeClaimTemplates) {
          if (!isRecord(t)) continue;
          if (!isRecord(t.spec)) t.spec = {};
          defaultClaimSpec(t.spec);
          const status = isRecord(t.status) ? t.status : {};
          defaultString(status, 'phase', 'Pending');
          t.status = status;
        }
      }
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
      // A non-parallel Job may leave both unset; a work queue (parallelism only) keeps
      // completions unset.
      if (spec.completions === undefined && spec.parallelism === undefined) {
        spec.completions = 1;
        spec.parallelism = 1;
      }
      spec.parallelism ??= 1;
      // With a backoff limit per index the global one is effectively off.
      spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      spec.podReplacementPolicy ??=
        spec.podFailurePolicy != null ? 'Failed' : 'TerminatingOrFailed';
      spec.manualSelector ??= false;
      defaultPodFailurePolicy(spec.podFailurePolicy);
      break;
    case 'CronJob':
      defaultString(spec, 'concurrencyPolicy', 'Allow');
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      break;
  }
}

/** SetDefaults_PodFailurePolicyOnPodConditionsPattern: a pattern's status is True. */
function defaultPodFailurePolicy(policy: unknown): void {
  if (!isRecord(policy) || !Array.isArray(policy.rules)) return;
  for (const rule of policy.rules) {
    if (!isRecord(rule) || !Array.isArray(rule.onPodConditions)) continue;
    for (const p of rule.onPodConditions) if (isRecord(p)) defaultString(p, 'status', 'True');
  }
}

function templateMeta(template: Json | undefined): Json {
  return template && isRecord(template.metadata) ? template.metadata : {};
}

function templateLabels(template: Json | undefined): Record<string, string> {
  const meta = templateMeta(template);
  return (isRecord(meta.labels) ? meta.labels : {}) as Record<string, string>;
}

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** Upstream's ValidateDeploymentStrategy (after defaulting). */
function validateDeploymentStrategy(strategy: unknown): FieldError[] {
  const s = isRecord(strategy) ? strategy : {};
  const errs: FieldError[] = [];
  if (s.type === 'Recreate') {
    if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) {
      errs.push(
        forbidden(
          'spec.strategy.rollingUpdate',
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      );
    }
  } else if (s.type === 'RollingUpdate') {
    const ru = isRecord(s.rollingUpdate) ? s.rollingUpdate : {};
    const zero = (v: unknown): boolean => v === 0 || v === '0%';
    if (zero(ru.maxUnavailable) && zero(ru.maxSurge)) {
      errs.push(
        invalidRendered(
          'spec.strategy.rollingUpdate.maxUnavailable',
          goStringIntOrString(ru.maxUnavailable),
          'may not be 0 when `maxSurge` is 0',
        ),
      );
    }
  } else {
    const ru = isRecord(s.rollingUpdate)
      ? '&apps.RollingUpdateDeployment{...}'
      : '(*apps.RollingUpdateDeployment)(nil)';
    errs.push(
      notSupportedRendered(
        'spec.strategy',
        `apps.DeploymentStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`,
        ['Recreate', 'RollingUpdate'],
      ),
    );
  }
  return errs;
}

/** The StatefulSet spec fields an update may change (upstream ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function validateStatefulSetUpdate(spec: Json, oldSpec: Json): FieldError[] {
  const rest = (s: Json): string =>
    canonical(
      Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k))),
    );
  return rest(spec) === rest(oldSpec)
    ? []
    : [
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      ];
}

/** Key-order-independent JSON where null equals absent. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== null && v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A stored template as defaulting now leaves it (upstream defaults what it reads back). */
function defaultedTemplate(template: unknown): unknown {
  if (!isRecord(template) || !isRecord(template.spec)) return template;
  const copy = structuredClone(template) as Json;
  defaultPodSpec(copy.spec as Json);
  return copy;
}

/**
 * Upstream's Job update rules: completionMode is immutable; completions too, except that an
 * Indexed Job may be scaled by changing completions and parallelism together; the pod template
 * only while the Job is suspended and has never started.
 */
function validateJobUpdate(spec: Json, oldSpec: Json, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.completionMode !== oldSpec.completionMode) {
    errs.push(invalidValue('spec.completionMode', spec.completionMode, 'field is immutable'));
  }
  if (spec.completions !== oldSpec.completions) {
    const elastic =
      spec.completionMode === 'Indexed' &&
      typeof spec.completions === 'number' &&
      spec.completions === spec.parallelism;
    if (!elastic) {
      errs.push(invalidValue('spec.completions', spec.completions, 'field is immutable'));
    }
  }
  const neverStarted =
    oldSpec.suspend === true && !(isRecord(old.status) && typeof old.status.startTime === 'string');
  if (
    !neverStarted &&
    canonical(spec.template) !== canonical(defaultedTemplate(oldSpec.template))
  ) {
    errs.push(invalidValue('spec.template', spec.template, 'field is immutable'));
  }
  return errs;
}

/** Upstream's CronJob schedule and timeZone rules. */
function validateCronSchedule(spec: Json): FieldError[] {
  const schedule = spec.schedule;
  if (typeof schedule !== 'string' || schedule === '') return [required('spec.schedule')];
  const errs: FieldError[] = [];
  const timeZone = typeof spec.timeZone === 'string' ? spec.timeZone : undefined;
  try {
    parseSchedule(schedule);
  } catch (err) {
    errs.push(invalidValue('spec.schedule', schedule, (err as Error).message));
  }
  if (schedule.includes('TZ')) {
    errs.push(
      invalidValue(
        'spec.schedule',
        schedule,
        'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ),
    );
  }
  if (timeZone !== undefined && !validTimeZone(timeZone)) {
    errs.push(
      invalidValue(
        'spec.timeZone',
        timeZone,
        timeZone.toLowerCase() === 'local'
          ? 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'
          : `unknown time zone ${timeZone}`,
      ),
    );
  }
  return errs;
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
      // A CronJob's job template is no Job (no Job defaults), but its types' defaults apply.
      if (
        kind === 'CronJob' &&
        isRecord(obj.spec.jobTemplate) &&
        isRecord(obj.spec.jobTemplate.spec)
      )
        defaultPodFailurePolicy(obj.spec.jobTemplate.spec.podFailurePolicy);
    },
    prepareForCreate(obj) {
      obj.status = {};
      if (kind === 'DaemonSet') {
        obj.metadata.annotations = {
          ...(obj.metadata.annotations ?? {}),
          [TEMPLATE_GENERATION_ANNOTATION]: '1',
        };
      }
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
        // Upstream's defaulting (which the API server also applies when it reads the object
        // back, after the selector labels are generated): a Job without labels of its own
        // takes its template's.
        const labels = templateLabels(templateOf(spec, kind));
        if (Object.keys(obj.metadata.labels ?? {}).length === 0 && Object.keys(labels).length > 0)
          obj.metadata.labels = { ...labels };
      }
    },
    prepareForUpdate(obj, old) {
      if (kind !== 'DaemonSet') return;
      // apps/v1 carries the internal TemplateGeneration in an annotation clients cannot set: the
      // stored one, plus one when the template changes.
      const stored = Number(old.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
      let generation =
        Number.isInteger(stored) && stored > 0 ? stored : (old.metadata.generation ?? 1);
      const spec = isRecord(obj.spec) ? obj.spec : {};
      const oldSpec = isRecord(old.spec) ? old.spec : {};
      if (sortedJson(spec.template) !== sortedJson(defaultedTemplate(oldSpec.template)))
        generation++;
      obj.metadata.annotations = {
        ...(obj.metadata.annotations ?? {}),
        [TEMPLATE_GENERATION_ANNOTATION]: String(generation),
      };
    },
    validate(obj: KubeObject): FieldError[] {
      if (!isRecord(obj.spec)) return [required('spec')];
      const spec = obj.spec;
      const errs: FieldError[] = [];
      const template = templateOf(spec, kind);
      const tpath = templatePath(kind);
      if (kind === 'CronJob') {
        errs.push(...validateCronSchedule(spec));
        const policy = spec.concurrencyPolicy;
        if (policy === '') errs.push(required('spec.concurrencyPolicy'));
        else if (policy !== undefined && !CONCURRENCY_POLICIES.includes(String(policy))) {
          errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
        }
      }
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
        // A missing selector selects nothing (LabelSelectorAsSelector(nil)), so upstream also
        // reports that it does not match the template's labels.
        if (!isRecord(spec.selector)) errs.push(required('spec.selector'));
        const selector = isRecord(spec.selector) ? fromLabelSelector(spec.selector) : undefined;
        if (selector?.isEmpty()) {
          errs.push(
            invalidRendered(
              'spec.selector',
              goStringLabelSelector(spec.selector),
              `empty selector is invalid for ${kind.toLowerCase()}`,
            ),
          );
        } else if (template && !(selector?.matches(templateLabels(template)) ?? false)) {
          errs.push(
            invalidRendered(
              `${tpath}.metadata.labels`,
              goStringMap(templateMeta(template).labels),
              '`selector` does not match template `labels`',
            ),
          );
        }
      }
      if (!template) errs.push(required(tpath));
      else errs.push(...validatePodSpec(template.spec, `${tpath}.spec`, kind !== 'StatefulSet'));
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
      } else if (podSpec && podSpec.restartPolicy !== 'Always') {
        errs.push(notSupported(`${tpath}.spec.restartPolicy`, podSpec.restartPolicy, ['Always']));
      }
      if (kind === 'Deployment') errs.push(...validateDeploymentStrategy(spec.strategy));
      if (kind === 'Job' && spec.completionMode === 'Indexed' && spec.completions == null) {
        errs.push(required('spec.completions', 'when completion mode is Indexed'));
      }
      return errs;
    },
    validateCreate(obj) {
      // The CronJob controller appends an 11-character suffix to name its Jobs (63 at most).
      const name = obj.metadata.name ?? '';
      return kind === 'CronJob' && name.length > 52
        ? [invalidValue('metadata.name', name, 'must be no more than 52 characters')]
        : [];
    },
    validateUpdate(obj, old) {
      const spec = (obj.spec ?? {}) as Json;
      const oldSpec = (old.spec ?? {}) as Json;
      if (kind === 'CronJob') return [];
      const errs: FieldError[] = [];
      // A StatefulSet's selector is one of the fields its update rule forbids changing.
      if (kind === 'StatefulSet') return validateStatefulSetUpdate(spec, oldSpec);
      if (canonical(spec.selector) !== canonical(oldSpec.selector)) {
        errs.push(
          invalidRendered(
            'spec.selector',
            goStringLabelSelector(spec.selector),
            'field is immutable',
          ),
        );
        return errs;
      }
      return kind === 'Job' ? [...errs, ...validateJobUpdate(spec, oldSpec, old)] : errs;
    },
  };
}
