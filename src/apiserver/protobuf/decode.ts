// Decodes `application/vnd.kubernetes.protobuf` request bodies (magic `k8s\0`, then a
// runtime.Unknown wrapping the object) into the JSON object kubectl would have sent. Fields this
// decoder does not know are refused with 415, never silently dropped.
import { rfc3339 } from '../../api/duration.js';
import { StatusError } from '../../api/status.js';
import { KINDS, MESSAGES, type FieldDef } from './schema.js';
import { readFields, WireError } from './wire.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/**
 * Fields that are pointers in the Go types: present means set, so a zero or false is kept. Every
 * other zero value is dropped, as the JSON encoding (omitempty) would have.
 */
const POINTER_FIELDS = new Set([
  'replicas',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'parallelism',
  'completions',
  'backoffLimit',
  'ttlSecondsAfterFinished',
  'startingDeadlineSeconds',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'priority',
  'suspend',
  'manualSelector',
  'automountServiceAccountToken',
  'enableServiceLinks',
  'immutable',
  'controller',
  'blockOwnerDeletion',
  'allocateLoadBalancerNodePorts',
  'deletionGracePeriodSeconds',
  'tolerationSeconds',
  'gracePeriodSeconds',
  'orphanDependents',
  // PriorityClass.value is not omitempty: a priority of 0 is written.
  'value',
  'defaultMode',
  'mode',
  'expirationSeconds',
  'optional',
]);

function unsupported(message: string): StatusError {
  return StatusError.from(
    415,
    'UnsupportedMediaType',
    `${message}; kbox decodes protobuf only for the objects kubectl's create and run commands send. Send this request as JSON (e.g. kubectl apply -f, or -o json | kubectl create -f -)`,
  );
}

function scalar(def: FieldDef, int: number | undefined, bytes: Buffer | undefined): unknown {
  switch (def.type) {
    case 'string':
      return bytes?.toString('utf8') ?? '';
    case 'int':
      return int ?? 0;
    case 'bool':
      return (int ?? 0) !== 0;
    case 'bytes':
      return (bytes ?? Buffer.alloc(0)).toString('base64');
    case 'quantity':
      return (
        decodeMessage(
          { 1: { name: 'string', type: 'string' } },
          bytes ?? Buffer.alloc(0),
          'Quantity',
        ).string ?? '0'
      );
    case 'time': {
      const t = decodeMessage(
        { 1: { name: 's', type: 'int' }, 2: { name: 'n', type: 'int' } },
        bytes ?? Buffer.alloc(0),
        'Time',
      );
      const s = Number(t.s ?? 0);
      return s === 0 ? null : rfc3339(s * 1000);
    }
    case 'intstr': {
      const v = decodeMessage(
        {
          1: { name: 'type', type: 'int' },
          2: { name: 'intVal', type: 'int' },
          3: { name: 'strVal', type: 'string' },
        },
        bytes ?? Buffer.alloc(0),
        'IntOrString',
      );
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    default: {
      const fields = MESSAGES[def.type];
      if (!fields) throw unsupported(`protobuf message ${def.type} is not known`);
      return decodeMessage(fields, bytes ?? Buffer.alloc(0), def.type);
    }
  }
}

function decodeMessage(
  fields: Record<number, FieldDef>,
  buf: Buffer,
  name: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const def = fields[field.num];
    if (!def) throw unsupported(`field ${field.num} of protobuf message ${name} is not supported`);
    if (def.type === 'skip') continue;
    if (def.map) {
      const entry = decodeMessage(
        { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: def.type } },
        field.bytes ?? Buffer.alloc(0),
        `${name}.${def.name}`,
      );
      const m = (out[def.name] ??= {}) as Record<string, unknown>;
      m[String(entry.key ?? '')] = entry.value ?? (def.type === 'string' ? '' : null);
    } else if (def.repeated) {
      ((out[def.name] ??= []) as unknown[]).push(scalar(def, field.int, field.bytes));
    } else {
      // Go marshals every non-pointer field; JSON would have omitted the empty strings, and
      // defaulting expects them absent.
      const v = scalar(def, field.int, field.bytes);
      if (def.inline) {
        Object.assign(out, v);
        continue;
      }
      const zero =
        v === null || v === '' || ((v === 0 || v === false) && !POINTER_FIELDS.has(def.name));
      if (!zero) out[def.name] = v;
    }
  }
  return out;
}

/** The JSON object for a Kubernetes protobuf body; 400 on malformed input, 415 on the unknown. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw StatusError.from(
      400,
      'BadRequest',
      'protobuf body does not start with the Kubernetes magic number',
    );
  }
  try {
    const unknown = decodeMessage(
      {
        1: { name: 'typeMeta', type: 'TypeMeta' },
        2: { name: 'raw', type: 'bytes' },
        3: { name: 'contentEncoding', type: 'string' },
        4: { name: 'contentType', type: 'string' },
      },
      body.subarray(4),
      'Unknown',
    );
    const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const kind = typeMeta.kind ?? '';
    const message = KINDS[kind];
    if (!message) throw unsupported(`protobuf bodies of kind "${kind}" are not supported`);
    const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
    const obj = decodeMessage(MESSAGES[message] ?? {}, raw, message);
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (k === 'status' && v && typeof v === 'object' && Object.keys(v).length === 0)
        delete obj[k];
    }
    return { apiVersion: typeMeta.apiVersion, kind, ...obj };
  } catch (err) {
    if (err instanceof WireError)
      throw StatusError.from(400, 'BadRequest', `malformed protobuf body: ${err.message}`);
    throw err;
  }
}
