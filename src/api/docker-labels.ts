// Labels on everything kbox creates in Docker: how the kubelet rebuilds its state and how
// `kbox cluster delete` finds what to remove.
export const LABEL_MANAGED = 'io.kbox.managed';
export const LABEL_CLUSTER = 'io.kbox.cluster';
