// EndpointSlices (discovery.k8s.io/v1): SetDefaults_EndpointPort (a port's name is "" and its
// protocol TCP when unset).
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

export const endpointSliceStrategy: Strategy = {
  defaults(obj) {
    if (!Array.isArray(obj.ports)) return;
    for (const port of obj.ports as unknown[]) {
      if (typeof port !== 'object' || port === null || Array.isArray(port)) continue;
      const p = port as Json;
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
};
