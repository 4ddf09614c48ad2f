// Endpoints: SetDefaults_Endpoints (a subset's port without a protocol is TCP).
import { defaultString } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

const records = (v: unknown): Json[] =>
  Array.isArray(v)
    ? v.filter((x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];

export const endpointsStrategy: Strategy = {
  defaults(obj) {
    for (const subset of records(obj.subsets)) {
      for (const port of records(subset.ports)) defaultString(port, 'protocol', 'TCP');
    }
  },
};
