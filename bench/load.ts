import autocannon from "autocannon";
import { bump, percentile, Tally, type Measurement } from "./measurement";
import { cpuSeconds, peakRssMiB, resetPeakRss, sampleRss, sumOver, type Endpoint } from "./serverProcess";
import type { Load } from "./workloads";

export interface DriveOptions {
  /** The server's GraphQL endpoints (one per process): the connections are spread evenly over them. */
  endpoints: Endpoint[];
  connections: number;
  seconds: number;
  /** Stop after this many requests instead (`seconds` is then only a limit). */
  requests?: number;
  /** Per request: generous, a slow answer is measured, not dropped. */
  timeoutSeconds: number;
  /** The server's processes: their CPU time and peak RSS are measured. */
  serverPids: number[];
  /** Also sample the server's RSS this often (the soak). */
  rssEveryMs?: number;
  /** Lets the caller stop it (SIGINT of the whole run). */
  onStart?: (stop: () => void) => void;
}

/** A server doing less than this share of one core is done with the run's requests. */
const IDLE_CPU_SHARE = 0.2;
const SETTLE_STEP_MS = 100;
const SETTLE_LIMIT_MS = 5_000;

/**
 * The server's CPU time once it has finished the requests still in flight when autocannon stopped
 * (it drops their connections, the server still runs them): their CPU belongs to this run, not to
 * the next one on the same server (after N's slice, up to one slow Prisma transaction per
 * connection). Their successes are not counted: an overestimate of CPU/op by at most one request
 * per connection.
 */
async function settled(pids: number[]): Promise<number | undefined> {
  let last = sumOver(pids, cpuSeconds);
  for (let waited = 0; last !== undefined && waited < SETTLE_LIMIT_MS; waited += SETTLE_STEP_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_STEP_MS));
    const now = sumOver(pids, cpuSeconds);
    if (now === undefined || now - last < (IDLE_CPU_SHARE * SETTLE_STEP_MS) / 1000) return now;
    last = now;
  }
  return last;
}

/**
 * Runs `load` with autocannon, one instance per endpoint: every connection has its own client (state
 * such as the last version seen lives there), one request in flight each.
 * Socket errors and timeouts come from autocannon; HTTP and GraphQL errors
 * from the clients' reading of each answer.
 */
export async function drive(load: Load, options: DriveOptions): Promise<Measurement> {
  await load.prepare?.();
  const tally = new Tally();
  // autocannon's own histogram keeps whole milliseconds; these keep its sub-millisecond timings.
  const latencies: number[] = [];
  const pids = options.serverPids;
  pids.forEach(resetPeakRss);
  const rss = options.rssEveryMs ? sampleRss(pids, options.rssEveryMs) : undefined;
  const cpuBefore = sumOver(pids, cpuSeconds);
  const { endpoints } = options;
  const instances: autocannon.Instance[] = [];
  options.onStart?.(() => instances.forEach((instance) => instance.stop()));
  let results: autocannon.Result[];
  let samples: number[] | undefined;
  try {
    results = await Promise.all(
      endpoints.map((endpoint, i) => {
        const headers = { "content-type": "application/json", authorization: endpoint.authorization };
        const { pathname } = new URL(endpoint.url);
        return new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url: endpoint.url,
              connections: Math.floor(options.connections / endpoints.length) + (i < options.connections % endpoints.length ? 1 : 0),
              duration: options.seconds,
              amount: options.requests && Math.ceil(options.requests / endpoints.length),
              timeout: options.timeoutSeconds,
              pipelining: 1,
              // autocannon resets a request's `context` every time it loops over its requests (here: after
              // every request), so what a connection remembers lives in a client made for it here.
              setupClient(connection) {
                const client = load.client(tally);
                connection.setRequests([
                  {
                    method: "POST",
                    path: pathname,
                    headers,
                    setupRequest: (request) => ({ ...request, body: client.body() }),
                    onResponse: (status, body) => client.onResponse(status, body),
                  },
                ]);
              },
            },
            (error: unknown, done) => (error ? reject(error) : resolve(done)),
          );
          instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
          instances.push(instance);
        });
      }),
    );
  } finally {
    samples = rss?.stop();
  }
  const duration = Math.max(...results.map((result) => result.duration));
  const timeouts = results.reduce((sum, result) => sum + result.timeouts, 0);
  const errors = results.reduce((sum, result) => sum + result.errors, 0);
  const cpuAfter = await settled(pids);
  latencies.sort((a, b) => a - b);
  if (timeouts) bump(tally.errors, "timeout", timeouts);
  if (errors - timeouts) bump(tally.errors, "socket error", errors - timeouts);
  return {
    seconds: duration,
    opsPerSecond: tally.successes / duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    latencies,
    errors: tally.errors,
    outcomes: tally.outcomes,
    successes: tally.successes,
    retries: tally.retries,
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    rssMiB: sumOver(pids, peakRssMiB),
    rssSamples: samples,
  };
}
