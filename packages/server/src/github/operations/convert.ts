// Octokit parses large JSON integers as bigint. Hangar's ids are numbers;
// refusing one beyond 2^53 is better than silently addressing another object.
export function toId(value: number | bigint): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id)) throw new RangeError(`GitHub id ${String(value)} exceeds 2^53`);
  return id;
}

export function toOptionalId(value: number | bigint | null | undefined): number | null {
  return value === null || value === undefined ? null : toId(value);
}
