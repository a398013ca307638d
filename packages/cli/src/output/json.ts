import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Io } from "../io.js";

/** The API's own JSON form of a message (as `curl` would get it), for scripts. */
export function messageJson<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): unknown {
  return toJson(schema, message);
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
