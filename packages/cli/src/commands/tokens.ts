import { Command, Option } from "commander";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ApiTokenSchema,
  CreateApiTokenResponseSchema,
  MemberSchema,
} from "@hangar/api/workspace_service_pb.js";
import { collect } from "../client/api.js";
import { workspaceId } from "../client/workspace.js";
import { CliError } from "../exit-codes.js";
import type { Io } from "../io.js";
import { formatTime, NONE, orNone } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { addPaging, apiFor, globalOptions, printListing } from "./context.js";
import { parseTime } from "./time.js";

const roleChoices = ["viewer", "member", "admin", "owner"];

export function tokensCommand(io: Io): Command {
  const group = new Command("tokens").description("the workspace's API tokens (admins)");
  addPaging(
    group
      .command("ls")
      .description("list active tokens")
      .option("--include-inactive", "also expired and revoked ones"),
  ).action(
    async (
      options: { includeInactive?: boolean; limit: number; all?: boolean },
      command: Command,
    ) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const { items, more } = await api.call(() =>
        collect(
          async (pageSize, pageToken) => {
            const page = await api.workspaces.listApiTokens({
              workspaceId: workspace,
              includeInactive: options.includeInactive === true,
              pageSize,
              pageToken,
            });
            return { items: page.tokens, nextPageToken: page.nextPageToken };
          },
          { limit: options.limit, all: options.all === true },
        ),
      );
      printListing(io, command, {
        schema: ApiTokenSchema,
        items,
        more,
        columns: ["name", "role", "prefix", "created", "expires", "last used", "revoked", "id"],
        row: (t) => [
          t.name,
          t.role,
          `${t.prefix}…`,
          formatTime(t.createTime),
          formatTime(t.expireTime),
          formatTime(t.lastUseTime),
          t.revokeTime ? formatTime(t.revokeTime) : NONE,
          t.id,
        ],
        empty: "No token.",
      });
    },
  );
  group
    .command("create")
    .description("create a token; its secret is printed once, on standard output")
    .argument("<name>", "what it is for")
    .addOption(
      new Option("--role <role>", "its role in the workspace")
        .choices(roleChoices)
        .default("viewer"),
    )
    .option(
      "--expires <time>",
      "when it stops working: a span from now (90d), a date (UTC) or an RFC 3339 time",
    )
    .action(async (name: string, options: { role: string; expires?: string }, command: Command) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const expires =
        options.expires === undefined
          ? undefined
          : parseTime("--expires", options.expires, { future: true });
      const response = await api.call(() =>
        api.workspaces.createApiToken({
          workspaceId: workspace,
          name,
          role: options.role,
          ...(expires ? { expireTime: timestampFromDate(expires) } : {}),
        }),
      );
      if (globalOptions(command).json) {
        printJson(io, messageJson(CreateApiTokenResponseSchema, response));
        return;
      }
      io.stderr.write(
        `Created token ${name} (${response.token?.id ?? "?"}, ${options.role}). Its secret, shown only now:\n`,
      );
      io.stdout.write(`${response.secret}\n`);
    });
  group
    .command("revoke")
    .description("revoke tokens: they stop working at once")
    .argument("<ids...>", "token ids")
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const api = apiFor(io, command);
      const failures: CliError[] = [];
      for (const id of ids) {
        try {
          const { token } = await api.call(() => api.workspaces.revokeApiToken({ id }));
          io.stdout.write(`revoked ${token?.name ?? id} (${id})\n`);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          failures.push(error);
          io.stderr.write(`hangar: ${id}: ${error.message}\n`);
        }
      }
      const [first] = failures;
      if (first)
        throw new CliError(
          ids.length === 1 ? first.message : `${failures.length} of ${ids.length} failed`,
          first.exitCode,
          first.hint,
        );
    });
  return group;
}

export function membersCommand(io: Io): Command {
  const group = new Command("members").description("the people of a workspace and their roles");
  addPaging(group.command("ls").description("list the workspace's members")).action(
    async (options: { limit: number; all?: boolean }, command: Command) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const { items, more } = await api.call(() =>
        collect(
          async (pageSize, pageToken) => {
            const page = await api.workspaces.listMembers({
              workspaceId: workspace,
              pageSize,
              pageToken,
            });
            return { items: page.members, nextPageToken: page.nextPageToken };
          },
          { limit: options.limit, all: options.all === true },
        ),
      );
      printListing(io, command, {
        schema: MemberSchema,
        items,
        more,
        columns: ["email", "name", "role", "since", "user id"],
        row: (m) => [m.email, orNone(m.displayName), m.role, formatTime(m.createTime), m.userId],
        empty: "No member.",
      });
    },
  );
  return group;
}
