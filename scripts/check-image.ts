import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Copy, DockerfileParser, Env, Run, User, Volume, Workdir, type ImageTemplate } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT } from "../src/paths";

/**
 * `npm run check:image`: what the Dockerfile's image does, done without a
 * container engine (none runs on these machines). The runtime stage is read
 * from the Dockerfile and followed step by step in a clean folder standing in
 * for its WORKDIR: its COPYs (the build stage's outputs taken from this
 * checkout, which `npm run build` has just built), its ENV, its `npm ci`; then
 * its CMD is started as `nobody` on the embedded database, its HEALTHCHECK must
 * pass, /readyz must answer 200, one mutation must apply and SIGTERM must end
 * the server with code 0. Also: the Dockerfile's syntax (dockerfile-utils),
 * CMD's node options equal to `npm start`'s, compose.yaml's.
 */

const RUNTIME_USER = "nobody";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

class CheckFailed extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

function step(message: string) {
  console.log(`check:image: ${message}`);
}

function validateDockerfile(text: string) {
  const problems = validate(text);
  check(problems.length === 0, `the Dockerfile has problems:\n${problems.map((p) => `  line ${p.range.start.line + 1}: ${p.message}`).join("\n")}`);
}

function validateCompose() {
  const compose = parseYaml(readFileSync(path.join(PROJECT_ROOT, "compose.yaml"), "utf8")) as {
    services?: Record<string, { build?: unknown; init?: boolean; healthcheck?: unknown }>;
  };
  const services = Object.entries(compose.services ?? {});
  check(services.some(([, service]) => service.build && service.init === true), "compose.yaml builds no service from the Dockerfile with init: true");
  const unchecked = services.filter(([, service]) => !service.healthcheck && !service.build).map(([name]) => name);
  check(unchecked.length === 0, `compose.yaml: no healthcheck for ${unchecked.join(", ")}`);
}

/** The Dockerfile's stages: the named build stage and the last one, the image. */
function stagesOf(text: string) {
  const dockerfile = DockerfileParser.parse(text);
  const stages = dockerfile.getFROMs().map((from) => dockerfile.getContainingImage(from.getRange().start)!);
  const build = dockerfile.getFROMs().findIndex((from) => from.getBuildStage() === "build");
  check(build >= 0 && stages.length === 2, "the Dockerfile should have two stages: `build`, then the image");
  return { build: stages[build], runtime: stages[stages.length - 1] };
}

function workdirOf(stage: ImageTemplate): string {
  const workdirs = stage.getInstructions().filter((instruction) => instruction instanceof Workdir);
  check(workdirs.length > 0, "every stage of the Dockerfile needs a WORKDIR");
  return workdirs[workdirs.length - 1].getArgumentsContent()!;
}

/** An exec-form instruction's arguments (CMD, HEALTHCHECK CMD): the shell form would put sh between Docker's signal and node. */
function execForm(content: string | null, what: string): string[] {
  const json = content?.trim();
  check(json?.startsWith("["), `${what} must be in exec form (a JSON array)`);
  return JSON.parse(json!) as string[];
}

/**
 * The node options must be npm start's, and the environment it sets (its leading
 * NAME=value words) the image's ENV: the benchmark's memory figures were measured with them.
 */
function checkStartCommand(command: string[], runtime: ImageTemplate) {
  const start = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start;
  const words = start.split("&&").pop()!.trim().split(/\s+/);
  const settings = words.slice(0, words.findIndex((word) => !/^[A-Z_][A-Z0-9_]*=/.test(word)));
  const startCommand = words.slice(settings.length);
  check(
    JSON.stringify(command) === JSON.stringify(startCommand),
    `the Dockerfile's CMD ${JSON.stringify(command)} is not npm start's command ${JSON.stringify(startCommand)}`,
  );
  const imageEnv = new Map(runtime.getENVs().flatMap((env) => env.getProperties().map((property) => [property.getName(), property.getValue()])));
  for (const setting of settings) {
    const [name, value] = [setting.slice(0, setting.indexOf("=")), setting.slice(setting.indexOf("=") + 1)];
    check(imageEnv.get(name) === value, `npm start sets ${setting}: the image's ENV must set it too`);
  }
}

/** The image runs as a user of its own, writing only to the data folder, a volume. */
function checkUserAndVolume(runtime: ImageTemplate, imageEnv: Record<string, string>) {
  const instructions = runtime.getInstructions();
  const user = instructions.filter((instruction) => instruction instanceof User).pop()?.getArgumentsContent();
  check(user && !/^(root|0)(:|$)/.test(user), `the image must run as a USER other than root, not ${user ?? "root (no USER)"}`);
  const volumes = instructions.filter((instruction) => instruction instanceof Volume).flatMap((volume) => volume.getArguments().map((argument) => argument.getValue()));
  check(volumes.includes(imageEnv.SOLVENT_DATA_DIR), `SOLVENT_DATA_DIR (${imageEnv.SOLVENT_DATA_DIR}) is not a VOLUME of the image`);
}

function userIds(user: string) {
  const id = (flag: string) => Number(spawnSync("id", [flag, user], { encoding: "utf8" }).stdout.trim() || NaN);
  const ids = { uid: id("-u"), gid: id("-g") };
  check(Number.isInteger(ids.uid) && Number.isInteger(ids.gid), `no user ${user} on this machine`);
  return ids;
}

/**
 * Follows the runtime stage's COPY, ENV and RUN npm ci into appDir; its other
 * RUN (making /data for the user) is stood in for by the caller's data folder.
 * Returns the environment the image sets.
 */
function assemble(stages: { build: ImageTemplate; runtime: ImageTemplate }, appDir: string): Record<string, string> {
  const buildWorkdir = workdirOf(stages.build);
  const env: Record<string, string> = {};
  let installed = false;
  for (const instruction of stages.runtime.getInstructions()) {
    if (instruction instanceof Env) {
      for (const property of instruction.getProperties()) env[property.getName()] = property.getValue() ?? "";
    } else if (instruction instanceof Copy) {
      const sources = instruction.getArguments().map((argument) => argument.getValue());
      const target = sources.pop()!;
      // The build stage's outputs are this checkout's: same sources, same `npm run build`.
      const fromBuild = instruction.getFromFlag()?.getValue() === "build";
      for (const source of sources) {
        const from = path.join(PROJECT_ROOT, fromBuild ? path.relative(buildWorkdir, source) : source);
        // As COPY does: a folder's contents go to the target; a file goes into a target ending with "/".
        const into = !statSync(from).isDirectory() && target.endsWith("/");
        cpSync(from, path.join(appDir, target, into ? path.basename(source) : ""), { recursive: true });
      }
    } else if (instruction instanceof Run) {
      const install = instruction.getArgumentsContent()!.split("&&").map((command) => command.trim()).find((command) => command.startsWith("npm ci"));
      if (!install) continue;
      check(/--omit=dev\b/.test(install) && /--omit=optional\b/.test(install), `the image's install must omit dev and optional dependencies: ${install}`);
      step(`in the clean folder: ${install}`);
      const result = spawnSync("sh", ["-c", install], { cwd: appDir, env: { ...process.env, ...env }, stdio: "inherit" });
      check(result.status === 0, `${install} failed (${result.status ?? result.signal})`);
      installed = true;
    }
  }
  check(installed, "the image's stage runs no `npm ci`");
  return env;
}

/** The app files must be read-only to the server's user: root's, and writable by nobody else. */
function checkReadOnly(appDir: string) {
  const writable = [".", ...readdirSync(appDir, { recursive: true, encoding: "utf8" })].filter((file) => {
    const stat = lstatSync(path.join(appDir, file));
    return !stat.isSymbolicLink() && (stat.uid !== 0 || (stat.mode & 0o022) !== 0);
  });
  check(writable.length === 0, `app files writable by others than root: ${writable.slice(0, 5).join(", ")}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function exited(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode!);
    else child.once("exit", (code, signal) => resolve(code ?? signal!));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const text = readFileSync(path.join(PROJECT_ROOT, "Dockerfile"), "utf8");
  validateDockerfile(text);
  validateCompose();
  step("Dockerfile and compose.yaml are valid");
  const stages = stagesOf(text);
  const command = execForm(stages.runtime.getCMDs()[0]?.getArgumentsContent() ?? null, "CMD");
  checkStartCommand(command, stages.runtime);
  const healthcheck = stages.runtime.getHEALTHCHECKs()[0]?.getArgumentsContent()?.replace(/^CMD\s+/, "") ?? null;
  const probe = execForm(healthcheck, "HEALTHCHECK");
  check(process.getuid?.() === 0, "check:image runs as root: it installs as root, then starts the server as nobody");

  const root = mkdtempSync(path.join(tmpdir(), "solvent-image-"));
  chmodSync(root, 0o755);
  const appDir = path.join(root, "app");
  const dataDir = path.join(root, "data");
  let server: ChildProcess | undefined;
  let log = "";
  try {
    mkdirSync(appDir);
    const imageEnv = assemble(stages, appDir);
    checkUserAndVolume(stages.runtime, imageEnv);
    checkReadOnly(appDir);
    const user = userIds(RUNTIME_USER);
    mkdirSync(dataDir);
    chownSync(dataDir, user.uid, user.gid);
    const port = await freePort();
    // Only what the image sets: nothing from this shell (a DATABASE_URL, say) leaks in.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...imageEnv, SOLVENT_DATA_DIR: dataDir, PORT: String(port) };
    step(`starting ${command.join(" ")} as ${RUNTIME_USER} with ${JSON.stringify(imageEnv)} (data in ${dataDir}, port ${port})`);
    server = spawn(command[0], command.slice(1), { cwd: appDir, env, ...user, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (chunk: Buffer) => (log += chunk));
    server.stderr!.on("data", (chunk: Buffer) => (log += chunk));
    const serverExit = exited(server);

    const deadline = Date.now() + START_TIMEOUT_MS;
    let healthy = false;
    while (!healthy && Date.now() < deadline && server.exitCode === null) {
      healthy = spawnSync(probe[0], probe.slice(1), { cwd: appDir, env, ...user, timeout: 5000 }).status === 0;
      if (!healthy) await sleep(1000);
    }
    check(healthy, `the HEALTHCHECK did not pass within ${START_TIMEOUT_MS / 1000} s (server ${server.exitCode === null ? "running" : `exited ${server.exitCode}`})`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    check(ready.status === 200, `/readyz answered ${ready.status}`);
    step("HEALTHCHECK passed, /readyz 200");

    // With no authentication configured, the embedded server prints an admin token signed with a per-start secret.
    const token = /"adminToken":"([^"]+)"/.exec(log)?.[1];
    check(token, "the server printed no adminToken");
    const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `mutation { openAccount(input: {customerName: "Image check", type: CHECKING, initialDeposit: "1.00", idempotencyKey: "check-image"}) {
          __typename ... on OpenAccountSuccess { account { balance } } } }`,
      }),
    }).then((response) => response.text());
    check(answer.includes('"balance":"1.00"'), `openAccount did not apply: ${answer}`);
    step("openAccount applied");

    server.kill("SIGTERM");
    const code = await Promise.race([serverExit, sleep(STOP_TIMEOUT_MS).then(() => "still running")]);
    check(code === 0, `after SIGTERM the server ended with ${code}, not exit code 0`);
    step("SIGTERM: drained and exited 0");
    console.log("check:image passed");
  } catch (error) {
    if (log) console.error(`server log:\n${log}`);
    throw error;
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`check:image failed: ${error instanceof CheckFailed ? error.message : error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
