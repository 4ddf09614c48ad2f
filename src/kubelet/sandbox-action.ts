// What the kubelet does about a pod's sandbox, as upstream's kuberuntime manager decides it
// (computePodActions): keep a running one; make the first one; after a sandbox died (an engine
// restart stops every container), make a new one only if some container would run again in it,
// since a new sandbox means every container of the pod starts over (SandboxChanged).
import type { ContainerInfo } from './runtime/interface.js';

export type SandboxAction =
  /** A sandbox runs: go on with the containers. */
  | 'keep'
  /** The pod never had a sandbox (or every trace of it is gone): make one. */
  | 'create'
  /** The sandbox died: kill what is left, make a new one, start the containers again. */
  | 'recreate'
  /** The sandbox died and nothing may run again: the pod ends with the containers it has. */
  | 'none';

interface PodSpecView {
  restartPolicy?: unknown;
  containers?: unknown;
}

export function sandboxAction(
  spec: PodSpecView,
  containers: readonly ContainerInfo[],
): SandboxAction {
  const sandboxes = containers.filter((c) => c.kind === 'sandbox');
  if (sandboxes.some((c) => c.state === 'running')) return 'keep';
  if (sandboxes.length === 0) return 'create';
  const others = containers.filter((c) => c.kind !== 'sandbox');
  const policy = String(spec.restartPolicy ?? 'Always');
  // Upstream: a pod that must not restart and has run (a sandbox and containers existed) stays
  // down.
  if (policy === 'Never' && others.length > 0) return 'none';
  const regulars = ((spec.containers ?? []) as Array<{ name?: unknown }>).map((c) =>
    String(c.name),
  );
  // Under OnFailure a container that succeeded (its latest attempt exited 0) is not started again.
  const toStart = regulars.filter((name) => {
    if (policy !== 'OnFailure') return true;
    const last = others
      .filter((c) => c.kind === 'regular' && c.name === name)
      .sort((a, b) => b.attempt - a.attempt)[0];
    return !(last !== undefined && last.state === 'exited' && last.exitCode === 0);
  });
  // Nothing to start once initialized (an app container has existed): no new sandbox.
  if (toStart.length === 0 && others.some((c) => c.kind === 'regular')) return 'none';
  return 'recreate';
}

/** The event upstream's kubelet records when it replaces a pod's sandbox. */
export const SANDBOX_CHANGED_MESSAGE = 'Pod sandbox changed, it will be killed and re-created.';
