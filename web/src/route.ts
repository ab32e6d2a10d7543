import { useSyncExternalStore } from "react";

/*
 * Pages are named in the URL's fragment (#/accounts/<id>): the server serves one index.html at
 * /console and need not know the console's routes, and a reload or a second tab opens the same page.
 */
const subscribe = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};

export type Route = { page: "accounts" } | { page: "account"; id: string };

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  const account = /^#\/accounts\/([^/]+)$/.exec(hash);
  return account ? { page: "account", id: decodeURIComponent(account[1]) } : { page: "accounts" };
}

export const accountHref = (id: string) => `#/accounts/${encodeURIComponent(id)}`;
