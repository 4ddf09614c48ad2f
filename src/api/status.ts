// The one error type of kbox, mirroring metav1.Status and apimachinery's StatusError.
// Every failure at the HTTP edge becomes a Status; clients rebuild a StatusError from it and
// recognise failures by `reason`, never by message text.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServerTimeout'
  | 'ServiceUnavailable'
  | 'NotImplemented'
  // remotecommand's reason for a command that exited non-zero (its code in causes[ExitCode])
  | 'NonZeroExitCode'
  | '';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** Identifies a resource in error messages, as upstream's schema.GroupResource does. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** "pods" for the core group, "deployments.apps" otherwise: upstream's GroupResource.String(). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? status.reason ?? `request failed with code ${status.code}`);
    this.name = 'StatusError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason {
    return this.status.reason ?? '';
  }

  static from(
    code: number,
    reason: StatusReason,
    message: string,
    details?: StatusDetails,
  ): StatusError {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    };
    if (details !== undefined) status.details = compactDetails(details);
    return new StatusError(status);
  }
}

/**
 * The details as metav1.StatusDetails marshals them: every field is omitempty, so an empty
 * group (the core group's), name or uid, a zero retryAfterSeconds, no causes, and a cause's empty
 * reason, message or field are left out rather than sent as "" or 0.
 */
export function compactDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) {
    out.causes = d.causes.map((c) => {
      const cause: StatusCause = {};
      if (c.reason) cause.reason = c.reason;
      if (c.message) cause.message = c.message;
      if (c.field) cause.field = c.field;
      return cause;
    });
  }
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return StatusError.from(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return StatusError.from(
    409,
    'AlreadyExists',
    `${qualifiedResource(gr)} "${name}" already exists`,
    {
      name,
      group: gr.group,
      kind: gr.resource,
    },
  );
}

export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return StatusError.from(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    { name, group: gr.group, kind: gr.resource },
  );
}

/** 403 Forbidden for one object: `pods "x" is forbidden: why`, as upstream's NewForbidden. */
export function forbiddenObject(gr: GroupResource, name: string, why: string): StatusError {
  return StatusError.from(
    403,
    'Forbidden',
    `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`,
    {
      name,
      group: gr.group,
      kind: gr.resource,
    },
  );
}

/** A field-level validation failure, as upstream's field.Error. */
export interface FieldError {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate */
  type: string;
  field: string;
  /** Human text after the field path, e.g. `Required value`. */
  detail: string;
}

/** 422 Invalid: `Kind.group "name" is invalid: [field: detail, ...]` like upstream NewInvalid. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  errors: readonly FieldError[],
): StatusError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  // errors.NewInvalid prints ErrorList.ToAggregate(), which drops repeated messages.
  const parts = [...new Set(errors.map((e) => `${e.field}: ${e.detail}`))];
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return StatusError.from(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

export function badRequest(message: string): StatusError {
  return StatusError.from(400, 'BadRequest', message);
}

export function methodNotAllowed(message: string): StatusError {
  return StatusError.from(405, 'MethodNotAllowed', message);
}

export function internalError(message: string): StatusError {
  return StatusError.from(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** 410 Expired for a watch or list from a compacted resourceVersion (upstream NewResourceExpired). */
export function resourceExpired(message: string): StatusError {
  return StatusError.from(410, 'Expired', message);
}

export function notImplemented(message: string): StatusError {
  return StatusError.from(501, 'NotImplemented', message);
}
