// The console's one way to the API: openapi-fetch over the types generated from docs/openapi.json, so that a
// changed contract breaks this build, not a merchant's page. Same origin: locally the API is on the console's
// port; deployed, CloudFront serves both.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api/schema";
import { session, signOut } from "./session";

export type Schemas = components["schemas"];

export const api = createClient<paths>({ baseUrl: location.origin });

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session()?.token;
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) signOut(); // expired or refused: back to the sign-in
    return response;
  },
};
api.use(bearer);

/** An API refusal as the page shows it: the status, the API's code and message, and which fields were wrong. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }

  get notFound(): boolean {
    // Another merchant's data reads as absent, whichever of the two the API chose
    return this.status === 404 || this.status === 403;
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The answer's data, or an ApiError made of its ErrorBody (`details[].field` names the field). */
export function ok<T>({ data, error, response }: Answer<T>): T {
  if (response.ok && data !== undefined) return data;
  const body = (error ?? {}) as { error?: Schemas["ErrorDetail"] };
  const fields: Record<string, string> = {};
  for (const detail of body.error?.details ?? []) {
    const field = typeof detail.field === "string" ? detail.field : "";
    const issue = typeof detail.issue === "string" ? detail.issue : String(detail.message ?? "");
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${issue}` : issue;
  }
  throw new ApiError(
    response.status,
    body.error?.code ?? String(response.status),
    body.error?.message ?? response.statusText,
    fields,
  );
}

const REPORT_POLL_MS = 1000;

/** A report the API answered with 202 (a trial, an export), read again every second until it is done. */
export async function untilDone<T extends { status: Schemas["ReportStatus"] }>(started: T, read: () => Promise<T>): Promise<T> {
  let current = started;
  while (current.status === "RUNNING") {
    await new Promise((resume) => setTimeout(resume, REPORT_POLL_MS));
    current = await read();
  }
  return current;
}
