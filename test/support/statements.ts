import type { TestServer } from "./harness";

/** How many statements of each name (src/db/sql.ts: statementName) the server has sent: its statement metrics. */
export async function statementCounts(server: TestServer): Promise<Map<string, number>> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, "/metrics"))).text();
  const counts = text.matchAll(/^solvent_db_query_duration_seconds_count\{statement="([^"]+)"\} (\d+)$/gm);
  return new Map([...counts].map(([, name, count]) => [name, Number(count)]));
}
