import { parentPort, workerData } from "node:worker_threads";
import { applyMigrations } from "./migrations";

/* The thread applyMigrationsApart (migrations.ts) starts: it migrates, answers the names applied, and ends. */
void applyMigrations((workerData as { url: string }).url).then((applied) => parentPort!.postMessage(applied));
