import { readToken } from "./api/session.js";

// The CSV exports come from a plain GET endpoint rather than the streaming RPC: the
// browser gets the whole file in one response. It needs the token like any call, so
// it is fetched with the Authorization header and handed to the browser as a Blob.

export type UsageCsvKind = "statement" | "events";

export function usageCsvUrl(workspaceId: string, month: string, kind: UsageCsvKind): string {
  const query = new URLSearchParams({ month, kind });
  return `/v1/workspaces/${encodeURIComponent(workspaceId)}/usage.csv?${query.toString()}`;
}

/** Fetches the export and saves it as `<slug>-usage-<month>-<kind>.csv`. */
export async function downloadUsageCsv(input: {
  workspaceId: string;
  slug: string;
  month: string;
  kind: UsageCsvKind;
}): Promise<void> {
  const token = readToken();
  const response = await fetch(usageCsvUrl(input.workspaceId, input.month, input.kind), {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    const body = await response.text();
    let message = body;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === "object" && parsed !== null && "message" in parsed) {
        message = String(parsed.message);
      }
    } catch {
      // Not JSON: the text itself is the best message there is.
    }
    throw new Error(`Download failed (${response.status}): ${message}`);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `${input.slug}-usage-${input.month}-${input.kind}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the object URL is not needed after it.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
