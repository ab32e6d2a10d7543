import { existsSync } from "node:fs";
import path from "node:path";

/** The folder holding package.json, whether running from src/ (ts-jest) or dist/ (built). */
function findProjectRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, "prisma", "schema.prisma"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no prisma/schema.prisma above ${from}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

/** The URL path GraphQL is served at (a trailing slash and any query string allowed). */
export const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/;
