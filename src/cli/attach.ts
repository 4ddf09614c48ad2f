// `attach` and `run --attach`: kubectl 1.32's attach session (container choice, TTY decisions,
// prompts, the reattach hint), the watch that waits for a pod to run or finish, and run's
// handleAttachPod (a pod that already finished shows its logs instead). The WebSocket session
// itself is src/client/exec.ts.
import { StatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { attachToPod } from '../client/exec.js';
import { resourcePath, type KubeClient, type ResourceRef } from '../client/rest.js';
import { CliError } from './cluster.js';
import { rawTerminal } from './terminal.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

interface PodContainer {
  name: string;
  tty?: boolean;
}

interface PodShape {
  spec?: {
    containers?: PodContainer[];
    initContainers?: PodContainer[];
    ephemeralContainers?: PodContainer[];
    restartPolicy?: string;
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      state?: { terminated?: { exitCode: number; reason?: string; message?: string } };
    }>;
  };
}

const shape = (pod: KubeObject): PodShape => pod as unknown as PodShape;

export function podPhase(pod: KubeObject): string {
  return shape(pod).status?.phase ?? '';
}

/**
 * kubectl's FindOrDefaultContainerByName: the named container (regular, init or ephemeral), else
 * the default-container annotation's, else the first, saying so when there was a choice.
 */
export function containerToAttach(
  pod: KubeObject,
  name: string | undefined,
  quiet: boolean,
  err: (s: string) => void,
): PodContainer {
  if (name !== undefined && name !== '') {
    const found = findContainer(pod, name);
    if (!found) throw new CliError(`container ${name} not found in pod ${pod.metadata.name ?? ''}`);
    return found;
  }
  const containers = shape(pod).spec?.containers ?? [];
  const first = containers[0];
  if (!first) {
    throw new CliError(
      `pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} does not have any containers`,
    );
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  const byAnnotation = annotated ? findContainer(pod, annotated) : undefined;
  if (byAnnotation) return byAnnotation;
  if (!quiet && allNames(pod).length > 1) {
    err(`Defaulted container "${first.name}" out of: ${allNames(pod).join(', ')}\n`);
  }
  return first;
}

function findContainer(pod: KubeObject, name: string): PodContainer | undefined {
  const spec = shape(pod).spec ?? {};
  return [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ].find((c) => c.name === name);
}

/** The names kubectl lists after "out of:": containers, then init and ephemeral ones, marked. */
function allNames(pod: KubeObject): string[] {
  const spec = shape(pod).spec ?? {};
  return [
    ...(spec.containers ?? []).map((c) => c.name),
    ...(spec.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`),
    ...(spec.initContainers ?? []).map((c) => `${c.name} (init)`),
  ];
}

export interface AttachInput {
  container?: string;
  stdin: boolean;
  tty: boolean;
  quiet: boolean;
  /** `kbox attach`, for the hint printed after a TTY session. */
  commandName: string;
}

/** kubectl's AttachOptions.Run for a pod already fetched: one session, then the reattach hint. */
export async function attachSession(
  client: KubeClient,
  pod: KubeObject,
  o: AttachInput,
): Promise<void> {
  const err = (s: string): boolean => process.stderr.write(s);
  let container: PodContainer;
  try {
    container = containerToAttach(pod, o.container, o.quiet, err);
  } catch (e) {
    throw new CliError(`cannot attach to the container: ${(e as Error).message}`);
  }
  let tty = o.tty;
  if (tty && container.tty !== true) {
    tty = false;
    if (!o.quiet)
      err(`error: Unable to use a TTY - container ${container.name} did not allocate one\n`);
  } else if (!tty && container.tty === true) {
    // A TTY container streams raw bytes: the session must say tty too.
    tty = true;
  }
  // kubectl's SetupTTY: no stdin, no TTY; a TTY needs a terminal on stdin.
  let raw = false;
  if (o.stdin && tty) {
    if (process.stdin.isTTY) raw = true;
    else if (!o.quiet)
      err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  }
  if (!o.quiet) err("If you don't see a command prompt, try pressing enter.\n");
  const restore = raw ? rawTerminal() : undefined;
  try {
    await attachToPod(client, {
      namespace: pod.metadata.namespace ?? 'default',
      pod: pod.metadata.name ?? '',
      container: container.name,
      stdin: o.stdin ? process.stdin : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      tty: raw,
      size: () => ({ width: process.stdout.columns ?? 80, height: process.stdout.rows ?? 24 }),
      onResize: (l) => process.stdout.on('resize', l),
    });
  } finally {
    restore?.();
    process.stdin.pause();
  }
  if (!o.quiet && o.stdin && raw && shape(pod).spec?.restartPolicy === 'Always') {
    const ephemeral = (shape(pod).spec?.ephemeralContainers ?? []).some(
      (c) => c.name === container.name,
    );
    const name = pod.metadata.name ?? '';
    process.stdout.write(
      ephemeral
        ? `Session ended, the ephemeral container will not be restarted but may be reattached using '${o.commandName} ${name} -c ${container.name} -i -t' if it is still running\n`
        : `Session ended, resume using '${o.commandName} ${name} -c ${container.name} -i -t' command when the pod is running\n`,
    );
  }
}

/** What a wait decides from one state of the pod: keep waiting, done, or fail. */
export type PodCondition = (pod: KubeObject) => boolean;

/** Thrown by `runningAndReady` when the pod finished before it could be attached to. */
export class PodCompleted extends Error {
  constructor(readonly pod: KubeObject) {
    super('pod ran to completion');
  }
}

export const runningAndReady: PodCondition = (pod) => {
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed') throw new PodCompleted(pod);
  return (
    phase === 'Running' &&
    (shape(pod).status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
};

export const completed: PodCondition = (pod) => ['Succeeded', 'Failed'].includes(podPhase(pod));

export const succeeded: PodCondition = (pod) => podPhase(pod) === 'Succeeded';

/**
 * kubectl's waitForPod: lists the pod by name, then watches it until `condition` holds (its
 * object is returned), it throws, the pod is deleted, or `timeoutMs` passes.
 */
export async function waitForPod(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
  condition: PodCondition,
): Promise<KubeObject> {
  const fieldSelector = `metadata.name=${name}`;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const gone = (): StatusError => StatusError.from(404, 'NotFound', 'pods "" not found');
  try {
    for (;;) {
      const list = await client.list(PODS, namespace, { fieldSelector });
      const now = list.items[0];
      if (now && condition(now)) return now;
      let rv = list.metadata?.resourceVersion ?? '';
      let result: KubeObject | undefined;
      let failure: unknown;
      for (;;) {
        const how = await client.watch(
          PODS,
          namespace,
          { fieldSelector, resourceVersion: rv, allowWatchBookmarks: true },
          (ev) => {
            if (result || failure !== undefined) return;
            rv = ev.object.metadata.resourceVersion ?? rv;
            if (ev.type === 'BOOKMARK') return;
            try {
              if (ev.type === 'DELETED') throw gone();
              if (condition(ev.object)) result = ev.object;
            } catch (e) {
              failure = e;
            }
            if (result || failure !== undefined) abort.abort();
          },
          abort.signal,
        );
        if (failure !== undefined) throw failure;
        if (result) return result;
        if (timedOut) throw new CliError('timed out waiting for the condition');
        if (how === 'expired') break;
      }
    }
  } catch (e) {
    if (timedOut && !(e instanceof CliError) && !(e instanceof PodCompleted))
      throw new CliError('timed out waiting for the condition');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** The container's whole log to stdout (kubectl's logOpts). */
export async function printLogs(
  client: KubeClient,
  pod: KubeObject,
  container: string,
): Promise<void> {
  const q = new URLSearchParams({ container });
  const path = `${resourcePath(PODS, pod.metadata.namespace ?? 'default', pod.metadata.name ?? '')}/log?${q.toString()}`;
  await client.stream(path, (chunk) => process.stdout.write(chunk));
}

/**
 * kubectl run's handleAttachPod: waits for the pod to run and be ready, attaches, and shows the
 * logs instead when the pod has already finished or the attach fails.
 */
export async function attachToNewPod(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
  o: AttachInput,
): Promise<void> {
  let pod: KubeObject;
  try {
    pod = await waitForPod(client, namespace, name, timeoutMs, runningAndReady);
  } catch (e) {
    if (!(e instanceof PodCompleted)) throw e;
    const done = e.pod;
    const err = (s: string): boolean => process.stderr.write(s);
    await printLogs(client, done, containerToAttach(done, o.container, o.quiet, err).name);
    return;
  }
  try {
    await attachSession(client, pod, o);
  } catch (e) {
    process.stderr.write(
      `warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(e as Error).message}\n`,
    );
    await printLogs(client, pod, containerToAttach(pod, o.container, true, () => true).name);
  }
}
