// Versions kbox reports. KBOX_VERSION must equal package.json's version (a unit test checks it).

export const KBOX_VERSION = '0.1.0';

/** The Kubernetes minor version whose API kbox serves (kubectl 1.32 is the reference client). */
export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '32';

/** The server's gitVersion (GET /version), also the version of its OpenAPI v2 document. */
export const SERVER_GIT_VERSION = `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+kbox.${KBOX_VERSION}`;

/** upstream version.Info, served at GET /version. gitVersion must parse as semver for kubectl. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export function serverVersionInfo(platform: string, runtime: string): VersionInfo {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: SERVER_GIT_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: runtime,
    compiler: 'kbox',
    platform,
  };
}
