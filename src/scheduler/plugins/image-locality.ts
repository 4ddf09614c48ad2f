// ImageLocality (after kube-scheduler's plugin of that name): nodes that already hold the pod's
// images score higher, in proportion to the images' sizes and to how many nodes have them (an
// image on every node says little), between 23 MB and 1,000 MB per container.
import type { KubeObject } from '../../api/types.js';
import type { CycleState, NodeInfo, ScorePlugin } from '../framework.js';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const MAX_NODE_SCORE = 100;

interface NodeImage {
  names?: string[];
  sizeBytes?: number;
}

/** Upstream's normalizedImageName: an image without a tag or digest means `:latest`. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

function nodeImages(info: NodeInfo): Map<string, number> {
  const out = new Map<string, number>();
  const images = (info.node.status as { images?: NodeImage[] } | undefined)?.images ?? [];
  for (const image of images) {
    for (const name of image.names ?? []) out.set(normalizedImageName(name), image.sizeBytes ?? 0);
  }
  return out;
}

interface ImageSpread {
  /** Per node (same order as state.nodes' NodeInfo objects): image name → size. */
  byNode: WeakMap<NodeInfo, Map<string, number>>;
  /** Image name → number of nodes that have it. */
  numNodes: Map<string, number>;
  total: number;
}

const spreads = new WeakMap<CycleState, ImageSpread>();
function spread(state: CycleState): ImageSpread {
  let s = spreads.get(state);
  if (!s) {
    s = { byNode: new WeakMap(), numNodes: new Map(), total: state.nodes.length };
    for (const info of state.nodes) {
      const images = nodeImages(info);
      s.byNode.set(info, images);
      for (const name of images.keys()) s.numNodes.set(name, (s.numNodes.get(name) ?? 0) + 1);
    }
    spreads.set(state, s);
  }
  return s;
}

/** Upstream's calculatePriority: the summed score clamped and scaled to 0..100. */
export function imageScore(sum: number, containers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * containers;
  const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  if (max <= MIN_THRESHOLD) return 0;
  return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export const imageLocality: ScorePlugin = {
  name: 'ImageLocality',
  weight: 1,
  score(pod: Readonly<KubeObject>, nodes, state) {
    const spec = (pod.spec ?? {}) as {
      containers?: Array<{ image?: string }>;
      initContainers?: Array<{ image?: string }>;
    };
    const images = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) =>
      normalizedImageName(c.image ?? ''),
    );
    const s = spread(state);
    return nodes.map((info) => {
      const onNode = s.byNode.get(info) ?? nodeImages(info);
      let sum = 0;
      for (const name of images) {
        const size = onNode.get(name);
        if (size === undefined) continue;
        // scaledImageScore: size weighted by the share of nodes that have the image.
        sum += Math.trunc(size * ((s.numNodes.get(name) ?? 1) / Math.max(1, s.total)));
      }
      return imageScore(sum, images.length);
    });
  },
};
