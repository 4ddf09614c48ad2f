// Labels on everything kbox creates in Docker: how the kubelet rebuilds its state and how
// `kbox cluster delete` finds what to remove.
export const LABEL_MANAGED = 'io.kbox.managed';
export const LABEL_CLUSTER = 'io.kbox.cluster';

/** Where a Docker client connects: DOCKER_HOST, else the default Unix socket. */
export function dockerEndpoint(env: Record<string, string | undefined>): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}
