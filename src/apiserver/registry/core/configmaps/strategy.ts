// ConfigMaps and Secrets: upstream's ValidateConfigMap/ValidateSecret (key names, the 1 MiB size
// limit, the keys each Secret type requires) and their update rules (`immutable`, Secret type).
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import {
  configMapKey,
  forbidden,
  invalidValue,
  required,
  tooLong,
  utf8Length,
} from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

/** core.MaxSecretSize, which ConfigMaps share. */
const MAX_SIZE = 1024 * 1024;

function mapOf(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** The decoded length of a base64 value as the API carries []byte. */
function base64Length(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const clean = v.replace(/=+$/, '');
  return Math.floor((clean.length * 3) / 4);
}

function canonicalMap(m: unknown): string {
  const rec = mapOf(m);
  return JSON.stringify(
    Object.keys(rec)
      .sort()
      .map((k) => [k, rec[k]]),
  );
}

/** Upstream's immutability rule shared by both kinds. */
function validateImmutable(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) {
    errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  }
  for (const f of fields) {
    if (canonicalMap(obj[f]) !== canonicalMap(old[f])) {
      errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

export const configMapStrategy: Strategy = {
  validate(obj) {
    const errs: FieldError[] = [];
    const data = mapOf(obj.data);
    const binary = mapOf(obj.binaryData);
    let size = 0;
    for (const [key, value] of Object.entries(data)) {
      for (const m of configMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, m));
      if (Object.hasOwn(binary, key)) {
        errs.push(invalidValue(`data[${key}]`, key, 'duplicate of key present in binaryData'));
      }
      size += typeof value === 'string' ? utf8Length(value) : 0;
    }
    for (const [key, value] of Object.entries(binary)) {
      for (const m of configMapKey(key)) errs.push(invalidValue(`binaryData[${key}]`, key, m));
      if (Object.hasOwn(data, key)) {
        errs.push(invalidValue(`binaryData[${key}]`, key, 'duplicate of key present in data'));
      }
      size += base64Length(value);
    }
    // Upstream passes field.NewPath(""): the error names the whole object.
    if (size > MAX_SIZE) errs.push(tooLong('', MAX_SIZE));
    return errs;
  },
  validateUpdate(obj, old) {
    return validateImmutable(obj, old, ['data', 'binaryData']);
  },
};

export const secretStrategy: Strategy = {
  defaults(obj) {
    if (obj.type === undefined || obj.type === '') obj.type = 'Opaque';
    // v1's write-only stringData lands in data (upstream's conversion), overriding same keys.
    const stringData = mapOf(obj.stringData);
    if (Object.keys(stringData).length > 0) {
      const data = { ...mapOf(obj.data) };
      for (const [k, v] of Object.entries(stringData)) {
        data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      }
      obj.data = data;
    }
    delete obj.stringData;
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const data = mapOf(obj.data);
    let size = 0;
    for (const [key, value] of Object.entries(data)) {
      for (const m of configMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, m));
      size += base64Length(value);
    }
    if (size > MAX_SIZE) errs.push(tooLong('data', MAX_SIZE));
    const has = (k: string): boolean => Object.hasOwn(data, k);
    switch (obj.type) {
      case 'kubernetes.io/service-account-token': {
        const annotations = obj.metadata.annotations ?? {};
        if (!annotations['kubernetes.io/service-account.name']) {
          errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
        }
        break;
      }
      case 'kubernetes.io/dockercfg':
        if (!has('.dockercfg')) errs.push(required('data[.dockercfg]'));
        break;
      case 'kubernetes.io/dockerconfigjson':
        if (!has('.dockerconfigjson')) errs.push(required('data[.dockerconfigjson]'));
        break;
      case 'kubernetes.io/basic-auth':
        if (!has('username') && !has('password')) {
          errs.push(required('data[username]'), required('data[password]'));
        }
        break;
      case 'kubernetes.io/ssh-auth':
        if (base64Length(data['ssh-privatekey']) === 0) {
          errs.push(required('data[ssh-privatekey]'));
        }
        break;
      case 'kubernetes.io/tls':
        if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
        if (!has('tls.key')) errs.push(required('data[tls.key]'));
        break;
    }
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (obj.type !== old.type) errs.push(invalidValue('type', obj.type, 'field is immutable'));
    return [...errs, ...validateImmutable(obj, old, ['data'])];
  },
};
