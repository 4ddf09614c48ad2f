// Secrets: SetDefaults_Secret (a Secret without a type is Opaque).
import { defaultString } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';

export const secretStrategy: Strategy = {
  defaults(obj) {
    defaultString(obj, 'type', 'Opaque');
  },
};
