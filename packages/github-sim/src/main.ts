// The simulator as a standalone process, for the demo, benchmarks and a local
// Hangar: `tsx packages/github-sim/src/main.ts --port 3999 --webhook-url …`.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { startSimulator } from "./simulator.js";

const USAGE = `usage: github-sim [--host 127.0.0.1] [--port 3999] [--webhook-url URL]
                  [--app-id N] [--webhook-secret S] [--private-key-out FILE]
                  [--webhook-secret-out FILE] [--kubeconfig FILE]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "3999" },
      "webhook-url": { type: "string" },
      "app-id": { type: "string" },
      "webhook-secret": { type: "string" },
      "private-key-out": { type: "string" },
      "webhook-secret-out": { type: "string" },
      kubeconfig: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const appId = values["app-id"] === undefined ? undefined : Number(values["app-id"]);
  if (!Number.isInteger(port) || port < 0 || (appId !== undefined && !Number.isInteger(appId))) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  let kubeConfig: KubeConfig | undefined;
  if (values.kubeconfig !== undefined) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(values.kubeconfig);
  }
  const sim = await startSimulator({
    host: values.host,
    port,
    ...(values["webhook-url"] === undefined ? {} : { webhookUrl: values["webhook-url"] }),
    app: {
      ...(appId === undefined ? {} : { id: appId }),
      ...(values["webhook-secret"] === undefined
        ? {}
        : { webhookSecret: values["webhook-secret"] }),
    },
    ...(kubeConfig ? { kubeConfig } : {}),
  });
  // Secrets go to files (mode 0600), never to stdout.
  if (values["private-key-out"] !== undefined) {
    await writeFile(values["private-key-out"], sim.app.privateKeyPem, { mode: 0o600 });
  }
  if (values["webhook-secret-out"] !== undefined) {
    await writeFile(values["webhook-secret-out"], sim.app.webhookSecret, { mode: 0o600 });
  }
  console.log(`GitHub simulator listening on ${sim.url}`);
  console.log(`App id ${sim.app.id} (slug ${sim.app.slug})`);
  if (values["private-key-out"] !== undefined) {
    console.log(`App private key written to ${values["private-key-out"]}`);
  }
  console.log(`Control API: POST ${sim.url}/_sim/<operation> with {"args": [...]}`);

  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
