import { createServer, type IncomingMessage } from "node:http";
import { z } from "zod";

// Where a job's clock starts: the moment the intake answered the simulator's delivery of
// its `workflow_job` queued event. The simulator's delivery records carry whole seconds
// only, so the simulator delivers here instead, and this relay forwards each delivery to
// the intake unchanged (same bytes, same signature headers), notes when the intake's
// answer arrived, and hands the answer back.

const queuedJob = z.object({
  action: z.string(),
  workflow_job: z.object({ id: z.number() }),
});

/** Headers that describe one hop's connection, not the delivery. */
const hopHeaders = new Set(["host", "connection", "content-length", "transfer-encoding"]);

export interface AcceptRecorder {
  /** Where the simulator delivers. */
  url: string;
  /** performance.now() when the intake accepted the job's queued event (2xx). */
  acceptedAt(jobId: number): number | undefined;
  /** Deliveries the intake did not answer with 2xx. */
  refused(): number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function queuedJobId(event: string | string[] | undefined, body: Buffer): number | undefined {
  if (event !== "workflow_job") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = queuedJob.safeParse(json);
  return parsed.success && parsed.data.action === "queued"
    ? parsed.data.workflow_job.id
    : undefined;
}

export async function startAcceptRecorder(intakeWebhookUrl: string): Promise<AcceptRecorder> {
  const accepted = new Map<number, number>();
  let refused = 0;
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === "string" && !hopHeaders.has(name)) headers[name] = value;
        }
        const answer = await fetch(intakeWebhookUrl, { method: "POST", headers, body });
        const text = await answer.text();
        const at = performance.now();
        if (answer.ok) {
          const jobId = queuedJobId(request.headers["x-github-event"], body);
          if (jobId !== undefined && !accepted.has(jobId)) accepted.set(jobId, at);
        } else refused += 1;
        response
          .writeHead(answer.status, {
            "content-type": answer.headers.get("content-type") ?? "text/plain",
          })
          .end(text);
      } catch (error) {
        refused += 1;
        response.writeHead(502).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/github`,
    acceptedAt: (jobId) => accepted.get(jobId),
    refused: () => refused,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
