/**
 * The methods each route path answers, collected from fastify's `onRoute` hook, so an unknown
 * method on a known path can be told apart from an unknown path (405 with `Allow`, not 404).
 */
export class RouteMethods {
  readonly #paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  /** Records one route (`url` as declared, with `:params` and `*`). */
  add(url: string, methods: string | readonly string[]): void {
    let entry = this.#paths.get(url);
    if (entry === undefined) {
      entry = { pattern: RouteMethods.#compile(url), methods: new Set() };
      this.#paths.set(url, entry);
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) entry.methods.add(m.toUpperCase());
  }

  /** The methods allowed on the path of `url` (query ignored), or undefined for an unknown path. */
  allowed(url: string): string[] | undefined {
    const path = url.split('?')[0] ?? url;
    for (const { pattern, methods } of this.#paths.values()) if (pattern.test(path)) return [...methods].sort();
    return undefined;
  }

  static #compile(url: string): RegExp {
    const escaped = url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return new RegExp(`^${escaped}/?$`);
  }
}
