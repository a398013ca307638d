import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Namespace,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import { SpanKind, type Span } from "@opentelemetry/api";
import { withSpan } from "../observability/tracing-context.js";

// The one place Hangar talks to the Kubernetes API. Everything above it deals
// in object specs from the builders; everything here is transport, plus the
// few outcomes (exists, absent) that callers treat as success.

export const FIELD_MANAGER = "hangar";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface Cluster {
  /** Server-side apply, field manager "hangar", force: create or converge. */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  /** Create only; resolves "exists" (and the existing object) instead of throwing on 409. */
  create<T extends KubernetesObject>(
    object: T,
  ): Promise<{ result: "created" | "exists"; object: T }>;
  /** 404 is success ("absent"). With uid, deletes only that incarnation (precondition). */
  delete(
    ref: ObjectRef,
    options?: { uid?: string; gracePeriodSeconds?: number },
  ): Promise<"deleted" | "absent">;
  readPod(namespace: string, name: string): Promise<V1Pod | null>;
  listPods(options: { namespace?: string; labelSelector: string }): Promise<V1Pod[]>;
  readNamespace(name: string): Promise<V1Namespace | null>;
  /** Null when the node does not exist (to tell a pod lost with its node). */
  readNode(name: string): Promise<V1Node | null>;
}

/** What tenancy convergence needs besides the common operations. */
export interface ObjectLister {
  /** Objects of one kind matching a label selector, in one namespace or all of them. */
  list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector: string },
  ): Promise<T[]>;
}

export type KubernetesCluster = Cluster & ObjectLister;

/**
 * A failed API call, described by status code and the API's reason and
 * message only: the client's own error text embeds whole response bodies and
 * headers, which have no place in logs.
 */
export class KubernetesApiError extends Error {
  override name = "KubernetesApiError";
  constructor(
    readonly operation: string,
    readonly ref: string,
    readonly code: number | undefined,
    readonly reason: string | undefined,
    apiMessage: string | undefined,
  ) {
    super(
      `${operation} ${ref}: ${code === undefined ? "request failed" : `HTTP ${code}`}` +
        (reason ? ` ${reason}` : "") +
        (apiMessage ? `: ${apiMessage}` : ""),
    );
  }
}

export function createCluster(
  kubeConfig: KubeConfig,
  options: {
    /** Items per list request; lists are read to the end either way. */
    listPageSize?: number;
  } = {},
): KubernetesCluster {
  const pageSize = options.listPageSize ?? 500;
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);

  return traced({
    async apply<T extends KubernetesObject>(object: T): Promise<T> {
      // managedFields in the body would be read as a claim on them; builders never set
      // them, but an object read back and re-applied would carry them.
      const body = structuredClone(object);
      if (body.metadata) delete body.metadata.managedFields;
      return call("apply", describe(object), () =>
        objects.patch<T>(
          body,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    },

    async create<T extends KubernetesObject>(object: T) {
      try {
        const created = await objects.create<T>(object, undefined, undefined, FIELD_MANAGER);
        return { result: "created" as const, object: created };
      } catch (error) {
        if (statusCode(error) !== 409) throw wrap("create", describe(object), error);
      }
      const existing = await call("read", describe(object), () =>
        objects.read<T>({
          apiVersion: object.apiVersion ?? "v1",
          kind: object.kind ?? "",
          metadata: { name: object.metadata?.name ?? "", namespace: object.metadata?.namespace },
        }),
      );
      return { result: "exists" as const, object: existing };
    },

    async delete(ref, options = {}) {
      try {
        await objects.delete(
          { apiVersion: ref.apiVersion, kind: ref.kind, metadata: refMetadata(ref) },
          undefined,
          undefined,
          options.gracePeriodSeconds,
          undefined,
          "Background",
          options.uid === undefined ? undefined : { preconditions: { uid: options.uid } },
        );
        return "deleted";
      } catch (error) {
        const code = statusCode(error);
        if (code === 404) return "absent";
        // A failed uid precondition means that incarnation is already gone.
        if (code === 409 && options.uid !== undefined) return "absent";
        throw wrap("delete", describeRef(ref), error);
      }
    },

    async readPod(namespace, name) {
      return orNull(`pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name }));
    },

    async listPods({ namespace, labelSelector }) {
      const list = await call("list", `pods ${namespace ?? "(all namespaces)"}`, () =>
        namespace === undefined
          ? core.listPodForAllNamespaces({ labelSelector })
          : core.listNamespacedPod({ namespace, labelSelector }),
      );
      return list.items;
    },

    async readNamespace(name) {
      return orNull(`namespace ${name}`, () => core.readNamespace({ name }));
    },

    async readNode(name) {
      return orNull(`node ${name}`, () => core.readNode({ name }));
    },

    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      options: { namespace?: string; labelSelector: string },
    ): Promise<T[]> {
      const items: T[] = [];
      let continueToken: string | undefined;
      do {
        const page = await call("list", `${kind} ${options.namespace ?? "(all namespaces)"}`, () =>
          objects.list<T>(
            apiVersion,
            kind,
            options.namespace,
            undefined,
            undefined,
            undefined,
            undefined,
            options.labelSelector,
            pageSize,
            continueToken,
          ),
        );
        // List items come without apiVersion and kind; callers re-apply or delete them.
        items.push(...page.items.map((item) => ({ ...item, apiVersion, kind })));
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken !== undefined);
      return items;
    },
  });
}

/**
 * A span per API call: verb, kind, namespace and name, never bodies (Secrets hold JIT
 * configs and registry credentials).
 */
function traced(cluster: KubernetesCluster): KubernetesCluster {
  const span = <T>(
    verb: string,
    kind: string | undefined,
    target: { namespace?: string | undefined; name?: string | undefined },
    run: (span: Span) => Promise<T>,
  ): Promise<T> =>
    withSpan(
      `Kubernetes ${verb} ${kind ?? "object"}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "k8s.verb": verb,
          "k8s.kind": kind ?? "object",
          ...(target.namespace === undefined ? {} : { "k8s.namespace.name": target.namespace }),
          ...(target.name === undefined ? {} : { "k8s.object.name": target.name }),
        },
      },
      run,
    );
  const of = (object: KubernetesObject) => ({
    namespace: object.metadata?.namespace,
    name: object.metadata?.name,
  });
  return {
    apply: (object) => span("apply", object.kind, of(object), () => cluster.apply(object)),
    create: (object) =>
      span("create", object.kind, of(object), async (s) => {
        const outcome = await cluster.create(object);
        s.setAttribute("k8s.result", outcome.result);
        return outcome;
      }),
    delete: (ref, options) =>
      span("delete", ref.kind, ref, async (s) => {
        const outcome = await cluster.delete(ref, options);
        s.setAttribute("k8s.result", outcome);
        return outcome;
      }),
    readPod: (namespace, name) =>
      span("get", "Pod", { namespace, name }, () => cluster.readPod(namespace, name)),
    listPods: (options) =>
      span("list", "Pod", { namespace: options.namespace }, () => cluster.listPods(options)),
    readNamespace: (name) => span("get", "Namespace", { name }, () => cluster.readNamespace(name)),
    readNode: (name) => span("get", "Node", { name }, () => cluster.readNode(name)),
    list: (apiVersion, kind, options) =>
      span("list", kind, { namespace: options.namespace }, () =>
        cluster.list(apiVersion, kind, options),
      ),
  };
}

/**
 * The server config's kubernetes.connection, restated here because adapters do
 * not import config/ (main/ passes the value in).
 */
export type ClusterConnection = { mode: "kubeconfig"; path: string } | { mode: "in-cluster" };

/** From the server config's kubernetes.connection (kubeconfig path or in-cluster). */
export function loadKubeConfig(connection: ClusterConnection): KubeConfig {
  const kubeConfig = new KubeConfig();
  switch (connection.mode) {
    case "kubeconfig":
      kubeConfig.loadFromFile(connection.path);
      break;
    case "in-cluster":
      kubeConfig.loadFromCluster();
      break;
    default: {
      const unknown: never = connection;
      throw new Error(`unknown Kubernetes connection ${JSON.stringify(unknown)}`);
    }
  }
  return kubeConfig;
}

async function orNull<T>(what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (statusCode(error) === 404) return null;
    throw wrap("read", what, error);
  }
}

async function call<T>(operation: string, ref: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrap(operation, ref, error);
  }
}

function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function wrap(operation: string, ref: string, error: unknown): Error {
  if (!(error instanceof ApiException)) {
    // Transport errors (refused connections, TLS) carry no response body.
    return error instanceof Error ? error : new Error(String(error));
  }
  const status = parseStatus(error.body);
  return new KubernetesApiError(operation, ref, error.code, status.reason, status.message);
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return {};
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const reason = "reason" in value && typeof value.reason === "string" ? value.reason : undefined;
  const message =
    "message" in value && typeof value.message === "string" ? value.message : undefined;
  return { reason, message };
}

function refMetadata(ref: ObjectRef): { name: string; namespace?: string } {
  return ref.namespace === undefined
    ? { name: ref.name }
    : { name: ref.name, namespace: ref.namespace };
}

function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

function describe(object: KubernetesObject): string {
  return describeRef({
    apiVersion: object.apiVersion ?? "v1",
    kind: object.kind ?? "object",
    namespace: object.metadata?.namespace,
    name: object.metadata?.name ?? "(unnamed)",
  });
}
