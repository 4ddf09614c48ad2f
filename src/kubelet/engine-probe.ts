// A light check of the Docker engine (GET /version), so a node can report Ready without loading
// the full Docker client first.
import { dockerEndpoint } from '../api/docker-labels.js';
import { engineGet } from '../client/docker-engine.js';
import type { RuntimeProbe } from './node-agent.js';
import { engineImageNames, type NodeImage } from './runtime/interface.js';

export class EngineProbe implements RuntimeProbe {
  readonly endpoint: string;

  constructor(endpoint = dockerEndpoint(process.env)) {
    this.endpoint = endpoint;
  }

  async version(): Promise<string> {
    const res = await engineGet(this.endpoint, '/version');
    if (res.status !== 200) throw new Error(`the engine answered HTTP ${res.status}`);
    return `docker://${(JSON.parse(res.body) as { Version?: string }).Version ?? 'unknown'}`;
  }

  /** The engine's images: digests, then tags (as upstream's kubelet names them), and size. */
  async images(): Promise<NodeImage[]> {
    const res = await engineGet(this.endpoint, '/images/json');
    if (res.status !== 200) throw new Error(`the engine answered HTTP ${res.status}`);
    const list = JSON.parse(res.body) as Array<{
      RepoTags?: string[] | null;
      RepoDigests?: string[] | null;
      Size?: number;
    }>;
    return list.map((i) => ({
      names: engineImageNames(i.RepoDigests, i.RepoTags),
      sizeBytes: i.Size ?? 0,
    }));
  }
}
