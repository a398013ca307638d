// Test support: validates payloads against @octokit/webhooks-schemas, the
// community-maintained JSON Schemas of GitHub's webhook payloads.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { createRequire } from "node:module";

// ajv-formats is CommonJS with an ES-style default; NodeNext sees it wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SCHEMA_ID = "octokit-webhooks";
let ajv: Ajv | undefined;

function compiler(): Ajv {
  if (ajv) return ajv;
  const schema: unknown = createRequire(import.meta.url)("@octokit/webhooks-schemas");
  if (typeof schema !== "object" || schema === null) throw new Error("no webhook schema");
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(schema, SCHEMA_ID);
  return ajv;
}

/** The schema of one event and action, as the combined schema names it: `workflow_job$queued`, `ping$event`. */
export function webhookValidator(definition: string): ValidateFunction {
  const validate = compiler().getSchema(`${SCHEMA_ID}#/definitions/${definition}`);
  if (!validate) throw new Error(`no schema definition ${definition}`);
  return validate;
}

/** Errors as readable lines, so a failing test says which field is wrong and why. */
export function schemaErrors(definition: string, payload: unknown): string[] {
  const validate = webhookValidator(definition);
  if (validate(payload)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(e: ErrorObject): string {
  return `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`;
}
