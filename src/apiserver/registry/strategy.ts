// One small strategy per resource (after upstream's rest.RESTCreateStrategy and friends): the
// generic store calls these hooks at fixed points of its create/update pipelines.
import type { FieldError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';

export interface StrategyContext {
  /** The request time, injected so tests are deterministic. */
  now: Date;
}

export interface Strategy {
  /** Sets defaults on a new or updated object (upstream's defaulting functions). */
  defaults?(obj: KubeObject): void;
  /**
   * Clears fields clients may not set on create (e.g. status) and allocates what the server
   * assigns; allocation failures come back as field errors.
   */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): FieldError[] | void;
  /** Copies over what an update of the main resource may not change, e.g. status. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[] | void;
  validate?(obj: KubeObject): FieldError[];
  /** Rules only a create must satisfy; runs after validate on creates. */
  validateCreate?(obj: KubeObject): FieldError[];
  /** Checks immutable fields and the like; runs after validate on updates. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Warnings for a create or update that passed validation (upstream's WarningsOnCreate and
   * WarningsOnUpdate), sent as `Warning` headers.
   */
  warningsOnCreate?(obj: KubeObject): string[];
  warningsOnUpdate?(obj: KubeObject, old: KubeObject): string[];
  /** Throws a StatusError when the object may not be deleted (e.g. built-in PriorityClasses). */
  validateDelete?(obj: KubeObject): void;
  /**
   * Subresources that write one part of the object (pods/ephemeralcontainers), after upstream's
   * per-subresource strategies; the generic store keeps the stored metadata.
   */
  partialSubresources?: Record<string, PartialUpdateStrategy>;
  /**
   * The status subresource's own rules (upstream's status strategies). Without them a status
   * write replaces status and is not validated.
   */
  status?: StatusUpdateStrategy;
  /** PUT of a missing object creates it (upstream's AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
  /**
   * For a resource served from another one's storage (ResourceInfo.storedAs): converts this
   * API's shape to the stored one and back. Every hook above sees this API's shape.
   */
  conversion?: ObjectConversion;
}

export interface PartialUpdateStrategy {
  /** The stored object with only what this subresource writes taken from the new one. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): KubeObject;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

/**
 * A status write: the generic store has already kept the stored metadata and everything but
 * status (upstream's status strategies keep spec), and defaulted the result.
 */
export interface StatusUpdateStrategy {
  /** Clears status fields of disabled gates and fills in what the server maintains. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
}

export interface ObjectConversion {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/** Resources whose objects have no spec/status split and no rules beyond object metadata. */
export const plainStrategy: Strategy = {};
