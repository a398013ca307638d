// Lint rules that keep the architecture visible: type-aware checks everywhere,
// import boundaries between server modules, and the workflow determinism line.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import globals from "globals";

const server = "./packages/server/src";
const serverModules = [
  "config",
  "domain",
  "intake",
  "workflows",
  "activities",
  "api",
  "authz",
  "storage",
  "github",
  "kubernetes",
  "crypto",
  "metering",
  "observability",
  "main",
];
const others = (allowed) =>
  serverModules.filter((m) => !allowed.includes(m)).map((m) => `${server}/${m}`);

// Workflow code is replayed deterministically by Temporal: no I/O, no clocks, no Node builtins.
// Exact module names, not patterns: a pattern "domain" (a Node builtin) would also
// match our own ../domain/ folder.
const nodeBuiltins = builtinModules
  .flatMap((m) => [m, `node:${m}`])
  .map((name) => ({ name, message: "Workflow code must be deterministic: no Node builtins." }));
const workflowForbidden = [
  {
    group: [
      "pg",
      "kysely",
      "pino",
      "@kubernetes/*",
      "@octokit/*",
      "@temporalio/client",
      "@temporalio/worker",
    ],
    message: "Workflow code does no I/O: ask an activity.",
  },
  {
    group: [
      "../storage/*",
      "../github/*",
      "../kubernetes/*",
      "../config/*",
      "../observability/*",
      "../intake/*",
      "../api/*",
    ],
    message: "Workflow code may use domain/ and types of activities/ only.",
  },
];

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "packages/api/src/gen/**",
      "packages/console/dist/**",
      "coverage/**",
      "test-results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { "import-x": importX },
    // Resolves `./x.js` to `./x.ts` as TypeScript does; without it the path
    // rules below cannot see where an import points and silently pass.
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { requireDefaultForNonUnion: true, considerDefaultExhaustiveForUnions: false },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      // @kubernetes/client-node models are classes meant to be written as plain literals.
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "ExportAllDeclaration", message: "Use named exports, no `export *` barrels." },
      ],
      "import-x/no-cycle": "off",
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            // The generated contract and the local-services tooling stand alone.
            { target: "./packages/api/src", from: "./packages", except: ["./api"] },
            { target: "./packages/devenv/src", from: "./packages", except: ["./devenv"] },
            // Pure rules depend on nothing with side effects.
            { target: `${server}/domain`, from: others(["domain"]), message: "domain/ is pure." },
            // Lower layers never reach up into the roles that use them.
            {
              target: [
                `${server}/storage`,
                `${server}/github`,
                `${server}/kubernetes`,
                `${server}/crypto`,
                `${server}/authz`,
                `${server}/metering`,
              ],
              from: [
                `${server}/api`,
                `${server}/intake`,
                `${server}/workflows`,
                `${server}/main`,
                `${server}/activities`,
              ],
              message: "Adapters do not depend on the roles that use them.",
            },
            // The API reads and writes through storage/ and authz/ and reaches the workflows
            // only by signalling them through a Temporal client, never their internals.
            {
              target: `${server}/api`,
              from: [
                `${server}/intake`,
                `${server}/workflows`,
                `${server}/activities`,
                `${server}/kubernetes`,
              ],
              message:
                "api/ may use domain/, storage/, authz/ and github/ types; it signals workflows through a Temporal client.",
            },
            // Only main/ wires things together.
            {
              target: others(["main"]),
              from: `${server}/main`,
              message: "main/ is the composition root; nothing imports it.",
            },
            {
              target: others(["config", "main"]),
              from: `${server}/config`,
              message: "Only main/ reads config; pass values in.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["packages/server/src/**/*.ts"],
    ignores: ["packages/server/src/config/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Only config/ reads the environment." },
      ],
    },
  },
  {
    files: ["packages/server/src/workflows/**/*.ts"],
    ignores: ["packages/server/src/workflows/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins,
          patterns: [
            ...workflowForbidden,
            {
              group: ["../activities/*"],
              allowTypeImports: true,
              message: "Import activities by type only (proxyActivities).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "packages/testkit/**/*.ts", "packages/devenv/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
