// Pages are addressed by the URL's fragment (#/merchants/m-1/refunds?status=PENDING_REVIEW), so the static host
// needs no rewrites and a page's address can be shared.
import { useEffect, useState } from "preact/hooks";

export interface Location {
  parts: string[];
  query: URLSearchParams;
}

function current(): Location {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useLocation(): Location {
  const [here, setHere] = useState(current);
  useEffect(() => {
    const moved = () => setHere(current());
    addEventListener("hashchange", moved);
    return () => removeEventListener("hashchange", moved);
  }, []);
  return here;
}

/** The fragment of a page: its path's parts (each encoded) and its query, without empty values. */
export function href(parts: string[], query: Record<string, string | null | undefined> = {}): string {
  const kept = Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]);
  const search = kept.length ? `?${new URLSearchParams(kept)}` : "";
  return `#/${parts.map(encodeURIComponent).join("/")}${search}`;
}

export const go = (fragment: string) => (location.hash = fragment);
