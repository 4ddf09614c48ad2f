// Parses a request path into what it addresses (after upstream's RequestInfoFactory).

export interface ResourceRequest {
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  /**
   * Addressed under the deprecated `watch/` prefix (/api/v1/watch/namespaces/ns/pods[/name]): a
   * watch of the collection, or of the named object, whatever the query says.
   */
  watch?: true;
}

/** Subresources of a namespace that are addressed as /namespaces/{name}/{sub}. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Returns the resource a path addresses, or undefined when it is not a resource path
 * (/api, /apis/apps, /version, ...).
 */
export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const segments = pathname.split('/').filter((p) => p !== '');
  const parts = pathname.includes('%') ? segments.map(decodeURIComponent) : segments;
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  // The `watch` verb prefix (requestinfo.go's specialVerbs), followed by at least a resource.
  const watch = rest[0] === 'watch' && rest.length > 1;
  if (watch) rest = rest.slice(1);
  const prefix = watch ? { watch: true as const } : {};
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) {
      rest = rest.slice(2);
    } else {
      // /namespaces/{name}[/status|/finalize] addresses the namespace object itself.
      return {
        group,
        version,
        namespace: undefined,
        resource: 'namespaces',
        name: namespace,
        subresource: rest[2],
        ...prefix,
      };
    }
  }
  if (rest.length > 3) return undefined;
  return {
    group,
    version,
    namespace,
    resource: rest[0] ?? '',
    name: rest[1],
    subresource: rest[2],
    ...prefix,
  };
}
