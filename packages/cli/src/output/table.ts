import { useColour, type Io } from "../io.js";

export interface TableOptions {
  /** Cells longer than this are cut, with an ellipsis. */
  maxCellWidth?: number;
}

const DEFAULT_MAX_CELL = 40;

function truncate(cell: string, max: number): string {
  const flat = cell.replace(/\s+/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(1, max - 1))}…`;
}

/** Columns aligned with two spaces between them; the header in capitals. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions & { bold?: boolean } = {},
): string {
  const max = options.maxCellWidth ?? DEFAULT_MAX_CELL;
  const cells = rows.map((row) => headers.map((_, i) => truncate(row[i] ?? "", max)));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const head = line(headers.map((header) => header.toUpperCase()));
  return [options.bold === true ? `\u001b[1m${head}\u001b[22m` : head, ...cells.map(line)]
    .map((row) => `${row}\n`)
    .join("");
}

/** Prints a table, or a short note when there is nothing to list. */
export function printTable(
  io: Io,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  empty: string,
  options: TableOptions = {},
): void {
  if (rows.length === 0) {
    io.stderr.write(`${empty}\n`);
    return;
  }
  io.stdout.write(formatTable(headers, rows, { ...options, bold: useColour(io.stdout, io.env) }));
}

/** `key  value` lines for one object, keys aligned. */
export function printFields(io: Io, fields: readonly (readonly [string, string])[]): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) io.stdout.write(`${key.padEnd(width)}  ${value}\n`);
}
