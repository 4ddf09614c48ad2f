// ImageLocality (after kube-scheduler's plugin of that name): nodes that already hold the pod's
// images score higher, in proportion to the images' sizes and to how many nodes have them (an
// image on every node says little), between 23 MB and 1,000 MB per container.
import type { KubeObject } from '../../api/types.js';
import type { NodeInfo, ScorePlugin } from '../framework.js';

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

/** Each Node object's images (name → size); Node objects are replaced, never changed, on update. */
const imagesByNode = new WeakMap<object, Map<string, number>>();

function nodeImages(info: NodeInfo): Map<string, number> {
  let out = imagesByNode.get(info.node);
  if (out === undefined) {
    out = new Map();
    const images = (info.node.status as { images?: NodeImage[] } | undefined)?.images ?? [];
    for (const image of images) {
      for (const name of image.names ?? []) {
        out.set(normalizedImageName(name), image.sizeBytes ?? 0);
      }
    }
    imagesByNode.set(info.node, out);
  }
  return out;
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
    // How many of all the nodes hold each of the pod's images (the spread of upstream's state).
    const numNodes = images.map((name) => {
      let n = 0;
      for (const info of state.nodes) if (nodeImages(info).has(name)) n++;
      return n;
    });
    const total = Math.max(1, state.nodes.length);
    return nodes.map((info) => {
      const onNode = nodeImages(info);
      let sum = 0;
      images.forEach((name, i) => {
        const size = onNode.get(name);
        if (size === undefined) return;
        // scaledImageScore: size weighted by the share of nodes that have the image.
        sum += Math.trunc(size * ((numNodes[i] || 1) / total));
      });
      return imageScore(sum, images.length);
    });
  },
};
