// Who is signed in, and how they sign in: locally by choosing a role and an id (the local stack's sign-in),
// deployed through the identity provider (OpenID Connect, authorization code with PKCE). The token is the API's
// bearer token either way; the console holds no privilege of its own.
export type Role = "merchant" | "erp" | "ops";

export interface Session {
  token: string;
  role: Role;
  sub: string;
  merchantId: string | null;
}

/** config.json beside the console: written by the local stack, or by `make deploy` from the stack's outputs
 * ("none" while the stack has no identity provider). */
export type Config =
  | { signIn: "local" }
  | { signIn: "none" }
  | { signIn: "oidc"; issuer: string; clientId: string; roleClaim: string; merchantClaim: string };

const KEY = "console.session";
const listeners = new Set<() => void>();
let current: Session | null = JSON.parse(sessionStorage.getItem(KEY) ?? "null");

export const session = (): Session | null => current;

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function keep(next: Session | null): void {
  current = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export const signOut = () => keep(null);

export class BuyerRefused extends Error {}

const CONSOLE_ROLES: readonly string[] = ["merchant", "erp", "ops"];

function fromClaims(token: string, claims: Record<string, unknown>, roleClaim: string, merchantClaim: string) {
  const role = String(claims[roleClaim] ?? "");
  if (!CONSOLE_ROLES.includes(role)) throw new BuyerRefused(role);
  const merchant = claims[merchantClaim];
  keep({
    token,
    role: role as Role,
    sub: String(claims.sub ?? ""),
    merchantId: typeof merchant === "string" ? merchant : null,
  });
}

function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
}

// ------------------------------------------------------------------ the local stack
export async function signInLocally(role: string, sub: string, merchantId: string): Promise<void> {
  const response = await fetch("/console/local-sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, sub, merchant_id: merchantId || null }),
  });
  const body = await response.json();
  if (response.status === 403) throw new BuyerRefused(role);
  if (!response.ok) throw new Error(body.error?.message ?? response.statusText);
  fromClaims(body.token, claimsOf(body.token), "role", "merchant_id");
}

// ------------------------------------------------------------------ the identity provider
type Provider = Extract<Config, { signIn: "oidc" }>;
const PENDING = "console.oidc";

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/console/`;

async function discover(issuer: string) {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the identity provider's discovery answered ${response.status}`);
  return (await response.json()) as { authorization_endpoint: string; token_endpoint: string };
}

export async function signInWithProvider(provider: Provider): Promise<void> {
  const { authorization_endpoint } = await discover(provider.issuer);
  const verifier = randomText();
  const state = randomText();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: provider.clientId,
    redirect_uri: redirectUri(),
    scope: "openid",
    state,
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  });
  location.assign(`${authorization_endpoint}?${query}`);
}

/** Back from the provider with `?code=&state=`: the code exchanged for tokens (true), or nothing to do (false). */
export async function finishProviderSignIn(provider: Provider): Promise<boolean> {
  const query = new URLSearchParams(location.search);
  const code = query.get("code");
  if (!code) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (!pending || pending.state !== query.get("state")) throw new Error("the sign-in's state does not match");
  const { token_endpoint } = await discover(provider.issuer);
  const response = await fetch(token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri(),
      client_id: provider.clientId,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`the identity provider refused the code (${response.status})`);
  // The ID token is the API's bearer: its audience is the client id, and it carries the role claims
  const { id_token } = (await response.json()) as { id_token: string };
  fromClaims(id_token, claimsOf(id_token), provider.roleClaim, provider.merchantClaim);
  return true;
}
