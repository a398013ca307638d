import { createServer } from "node:net";
import { portsFor, type Ports } from "@hangar/devenv";

// Ports for a service a test starts for itself. Like the local services' fixed ports they
// stay below 32768: above it lies Linux's ephemeral range, where any outgoing connection
// may take a port in the instant before the service binds it.

const LOWEST = 10_000;
const HIGHEST = 32_767;

/** Both profiles' fixed ports, so a test never takes one a service is about to bind. */
function reserved(): Set<number> {
  const values = (ports: Ports): number[] =>
    (Object.keys(ports) as (keyof Ports)[]).map((name) => ports[name]);
  return new Set([...values(portsFor("dev")), ...values(portsFor("test"))]);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => {
      resolve(false);
    });
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** `count` distinct ports that nothing listens on now, picked at random below 32768. */
export async function freePorts(count: number): Promise<number[]> {
  const skip = reserved();
  const found: number[] = [];
  for (let tries = 0; found.length < count; tries += 1) {
    if (tries > 1_000) throw new Error(`no ${count} free ports found below ${HIGHEST + 1}`);
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (skip.has(port) || found.includes(port)) continue;
    if (await bindable(port)) found.push(port);
  }
  return found;
}
