import { GitHubHttpError } from "../http-error.js";

export interface Page<T> {
  items: T[];
  link: string | undefined;
}

function positiveInt(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new GitHubHttpError(422, "Invalid pagination parameter");
  return n;
}

/**
 * GitHub's page-number pagination: `per_page` (default 30, at most 100) and
 * `page`, with a Link header naming next/last/first/prev pages.
 */
export function paginate<T>(all: T[], query: Record<string, unknown>, requestUrl: URL): Page<T> {
  const perPage = Math.min(100, positiveInt(query.per_page, 30));
  const page = positiveInt(query.page, 1);
  const items = all.slice((page - 1) * perPage, page * perPage);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const at = (p: number): string => {
    const url = new URL(requestUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(p));
    return url.toString();
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${at(1)}>; rel="first"`);
  return { items, link: rels.length > 0 ? rels.join(", ") : undefined };
}
