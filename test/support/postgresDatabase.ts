import pg from "pg";

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty database of our own on the PostgreSQL server `adminUrl` names (whose user may
 * create databases); drop() drops it, and never anything else. Apart from scratchDatabase.ts,
 * so that the browser tests' setup can use it without loading the embedded database.
 */
export async function postgresDatabase(adminUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `solvent_${label}_${Date.now()}_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
