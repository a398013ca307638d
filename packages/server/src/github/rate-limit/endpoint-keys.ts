// The secondary limit is counted per endpoint, i.e. per method and route
// template ("POST /orgs/{org}/actions/runners/generate-jitconfig"), not per
// URL. Octokit hands the request hook the template for ordinary calls, but
// pagination follows `Link` headers with absolute URLs, so those are mapped
// back to a template seen before; otherwise each page of each org would get
// a budget of its own.

export interface EndpointKeys {
  /** `METHOD /template` for a request's method and URL (template or absolute). */
  key(method: string, url: string): string;
}

interface Template {
  readonly template: string;
  readonly pattern: RegExp;
  readonly parameters: number;
}

function compile(template: string): Template {
  const parts = template.split(/\{[^}]+\}/);
  const escaped = parts.map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"));
  return {
    template,
    pattern: new RegExp(`^${escaped.join("[^/]+")}$`),
    parameters: parts.length - 1,
  };
}

export function createEndpointKeys(baseUrl: string): EndpointKeys {
  // GHES serves the API under /api/v3; templates are relative to that.
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const byMethod = new Map<string, Template[]>();

  function register(method: string, template: string): void {
    const known = byMethod.get(method) ?? [];
    if (known.some((entry) => entry.template === template)) return;
    // The most literal template wins when several match one path.
    byMethod.set(
      method,
      [...known, compile(template)].sort((a, b) => a.parameters - b.parameters),
    );
  }

  return {
    key(method, url) {
      const upper = method.toUpperCase();
      if (!/^https?:\/\//i.test(url)) {
        const template = url.split("?")[0] ?? url;
        register(upper, template);
        return `${upper} ${template}`;
      }
      let path = new URL(url).pathname;
      if (basePath !== "" && path.startsWith(basePath)) path = path.slice(basePath.length);
      const match = byMethod.get(upper)?.find((entry) => entry.pattern.test(path));
      return `${upper} ${match?.template ?? path}`;
    },
  };
}
