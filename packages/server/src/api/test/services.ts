import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DescService } from "@bufbuild/protobuf";

// Every service in packages/api's generated code, found by reading the files, so a new
// .proto service reaches the generated tests without anyone listing it.

const generated = fileURLToPath(new URL("../../../../api/src/gen/hangar/v1/", import.meta.url));

function isService(value: unknown): value is DescService {
  return (
    typeof value === "object" &&
    value !== null &&
    "kind" in value &&
    value.kind === "service" &&
    "typeName" in value
  );
}

export async function generatedServices(): Promise<DescService[]> {
  const files = (await readdir(generated)).filter((name) => name.endsWith("_pb.ts")).sort();
  const services: DescService[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(`${generated}${file}`).href)) as Record<
      string,
      unknown
    >;
    for (const value of Object.values(module)) if (isService(value)) services.push(value);
  }
  return services.sort((a, b) => a.typeName.localeCompare(b.typeName));
}
