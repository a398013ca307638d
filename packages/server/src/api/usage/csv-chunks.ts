import type { Kysely } from "kysely";
import {
  statementCsv,
  usageEventsCsv,
  usageEventsCsvHeader,
  csvRecord,
} from "../../domain/billing-csv.js";
import type { Database } from "../../storage/schema.js";
import { usageEventsPage, usageStatement } from "../../storage/usage-statements.js";
import type { ExportKind, Period } from "./requests.js";

// A usage CSV as a sequence of pieces, for ExportUsage's stream and the usage.csv
// download alike. A statement is small (a row per offering); the ledger is read a page
// at a time, so memory stays bounded however many jobs the period had, and a caller
// that went away stops the reading at the next page.

/** Ledger rows per page, and so per piece. */
export const EVENTS_PAGE_SIZE = 1000;
/** A statement is cut into pieces of at most this many characters. */
export const STATEMENT_PIECE_CHARS = 64 * 1024;

export interface CsvExport extends Period {
  workspaceId: string;
  kind: ExportKind;
}

export class ExportAbortedError extends Error {
  override name = "ExportAbortedError";
}

function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ExportAbortedError("the caller went away");
}

/** The CSV's pieces in order, header first; together they are the whole file. */
export async function* usageCsvPieces(
  db: Kysely<Database>,
  input: CsvExport,
  signal: AbortSignal,
  options: { pageSize?: number } = {},
): AsyncGenerator<string> {
  const { workspaceId, from, to } = input;
  switch (input.kind) {
    case "statement": {
      const csv = statementCsv(await usageStatement(db, { workspaceId, from, to }));
      for (let at = 0; at < csv.length; at += STATEMENT_PIECE_CHARS) {
        stopIfAborted(signal);
        yield csv.slice(at, at + STATEMENT_PIECE_CHARS);
      }
      return;
    }
    case "events": {
      yield csvRecord(usageEventsCsvHeader);
      let after: string | null = null;
      do {
        stopIfAborted(signal);
        const page = await usageEventsPage(db, {
          workspaceId,
          from,
          to,
          after,
          limit: options.pageSize ?? EVENTS_PAGE_SIZE,
        });
        if (page.rows.length > 0) yield usageEventsCsv(page.rows);
        after = page.next;
      } while (after !== null);
      return;
    }
    default: {
      const unknownKind: never = input.kind;
      throw new Error(`unknown export kind ${String(unknownKind)}`);
    }
  }
}

/** The download's file name, e.g. usage-2026-03-01-2026-04-01-statement.csv. */
export function csvFileName(input: CsvExport): string {
  return `usage-${input.from}-${input.to}-${input.kind}.csv`;
}
