// The Docker runtime against the shared Runtime suite, on the real engine with the offline busybox
// image. Everything it creates carries the suite's own cluster label and is removed at the end.
import { after } from 'node:test';
import type Docker from 'dockerode';
import { DockerRuntime } from '../../src/kubelet/runtime/docker.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { runtimeConformance, type RuntimeFixture } from '../kubelet/runtime-conformance.js';

const cluster = `rtconf-${process.pid}`;
let docker: Docker | undefined;
let fixture: Promise<RuntimeFixture> | undefined;

runtimeConformance('docker', async (t) => {
  docker ??= await dockerOrSkip(t);
  const d = docker;
  if (!d) return undefined;
  fixture ??= (async () => {
    const image = await ensureBusyboxImage(d);
    const runtime = new DockerRuntime({ cluster, node: `${cluster}-control-plane`, docker: d });
    const network = await runtime.ensureNetwork();
    return {
      runtime,
      image,
      network,
      volumeExists: async (name) => {
        try {
          await d.getVolume(name).inspect();
          return true;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return false;
          throw err;
        }
      },
    };
  })();
  return fixture;
});

after(async () => {
  if (!docker) return;
  const filters = JSON.stringify({ label: [`io.kbox.cluster=${cluster}`] });
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
    await docker.getVolume(v.Name).remove();
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
});
