// The kubelet's image manager, as upstream's pkg/kubelet/images: applies the pull policy, records
// the Pulling/Pulled/Failed/BackOff/ErrImageNeverPull events, and backs off failed pulls per pod
// and image (10 s doubling to 300 s; an entry idle for twice the maximum is forgotten).
import { ImageError, type Runtime } from './runtime/interface.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Records an event about the container; never rejects. */
export type ImageEvents = (
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
) => Promise<void>;

export const IMAGE_BACKOFF_START_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

/** Go's time.Duration String() of a whole number of milliseconds: 0s, 523ms, 1.2s, 1m4.5s. */
export function goDuration(ms: number): string {
  ms = Math.max(0, Math.trunc(ms));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${String(s)}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

export class ImagePuller {
  readonly #rt: Runtime;
  readonly #clock: () => number;
  readonly #backoff = new Map<string, Entry>();
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(
    rt: Runtime,
    clock: () => number,
    log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
  ) {
    this.#rt = rt;
    this.#clock = clock;
    this.#log = log;
  }

  /** Milliseconds until the pod may try to pull the image again; 0 when it may now. */
  backoffRemaining(podUid: string, image: string): number {
    const e = this.#backoff.get(`${podUid}_${image}`);
    if (!e) return 0;
    const now = this.#clock();
    return Math.max(0, e.lastUpdate + e.delayMs - now);
  }

  /**
   * Makes the image present as the policy asks; records the events on `event`. Throws an
   * ImageError whose reason is the container's waiting reason.
   */
  async ensure(
    podUid: string,
    image: string,
    policy: PullPolicy,
    event: ImageEvents,
  ): Promise<void> {
    this.#gc();
    const present = await this.#rt.imageStatus(image);
    if (present && policy !== 'Always') {
      await event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return;
    }
    if (!present && policy === 'Never') {
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      await event('Warning', 'ErrImageNeverPull', msg);
      throw new ImageError('ErrImageNeverPull', msg);
    }
    const key = `${podUid}_${image}`;
    if (this.backoffRemaining(podUid, image) > 0) {
      const msg = `Back-off pulling image "${image}"`;
      await event('Normal', 'BackOff', msg);
      throw new ImageError('ImagePullBackOff', msg);
    }
    await event('Normal', 'Pulling', `Pulling image "${image}"`);
    const start = this.#clock();
    let pulled;
    try {
      pulled = await this.#rt.pullImage(image);
    } catch (err) {
      const why = (err as Error).message;
      if (present) {
        // Policy Always with no registry in reach: a local cluster runs what it has, as users
        // of locally built `:latest` images expect.
        this.#log('image pull failed; using the image present on the node', { image, error: why });
        await event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return;
      }
      await event('Warning', 'Failed', `Failed to pull image "${image}": ${why}`);
      this.#next(key);
      throw new ImageError('ErrImagePull', why);
    }
    const took = goDuration(this.#clock() - start);
    await event(
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.sizeBytes} bytes.`,
    );
  }

  #next(key: string): void {
    const now = this.#clock();
    const e = this.#backoff.get(key);
    const fresh = !e || now - e.lastUpdate > 2 * IMAGE_BACKOFF_MAX_MS;
    this.#backoff.set(key, {
      delayMs: fresh ? IMAGE_BACKOFF_START_MS : Math.min(e.delayMs * 2, IMAGE_BACKOFF_MAX_MS),
      lastUpdate: now,
    });
  }

  #gc(): void {
    const now = this.#clock();
    for (const [k, e] of this.#backoff) {
      if (now - e.lastUpdate > 2 * IMAGE_BACKOFF_MAX_MS) this.#backoff.delete(k);
    }
  }

  /** Drops the pod's entries (when it is deleted). */
  forgetPod(podUid: string): void {
    for (const k of this.#backoff.keys()) if (k.startsWith(`${podUid}_`)) this.#backoff.delete(k);
  }
}
