// Namespaces: the `kubernetes` finalizer, an Active phase, and the metadata.name label.
import type { Strategy } from '../../strategy.js';

export const NAME_LABEL = 'kubernetes.io/metadata.name';

export const namespaceStrategy: Strategy = {
  defaults(obj) {
    const name = obj.metadata.name;
    if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAME_LABEL]: name };
  },
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate(obj, old) {
    // spec.finalizers changes only through /finalize.
    obj.spec = structuredClone(old.spec ?? {});
  },
};
