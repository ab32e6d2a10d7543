import path from "node:path";
import compression from "compression";
import express from "express";
import { PROJECT_ROOT } from "./paths";

/** Where `npm run build` writes the console (web/, built by Vite with base /console/). */
const BUILT_CONSOLE = path.join(PROJECT_ROOT, "web", "dist");
/** Vite names every file under assets/ by a hash of its content: a new build brings new names. */
const HASHED_ASSETS = path.join(BUILT_CONSOLE, "assets") + path.sep;

/** Loopback hosts: what the Host header of a browser on this machine names. */
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;
const LOCAL_ADDRESS = /^(127\.|::1$|::ffff:127\.)/;

/**
 * A request from a browser on this machine, to this machine by name: the loopback address alone
 * would let a web page whose domain resolves to 127.0.0.1 (DNS rebinding) read the answer.
 */
const fromThisMachine = (req: express.Request) => LOCAL_ADDRESS.test(req.socket.remoteAddress ?? "") && LOCAL_HOST.test(req.headers.host ?? "");

/**
 * The console at /console, offline (no CDN) and compressed as the browser accepts (br or gzip).
 * Hashed assets are cached for a year; index.html, which names them, is revalidated at every
 * load, so a new build shows at once.
 *
 * `developmentToken` is the admin token of the embedded database's development authentication
 * (see app.ts): the sign-in page offers it, to a browser on this machine only. With any other
 * authentication there is none, and GET /console/development-token is a 404.
 */
export function consoleRouter(developmentToken: string | undefined): express.Router {
  const router = express.Router();
  router.use(compression());
  router.get("/development-token", (req, res) => {
    if (!developmentToken || !fromThisMachine(req)) {
      res.sendStatus(404);
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    res.json({ token: developmentToken });
  });
  router.use(
    express.static(BUILT_CONSOLE, {
      setHeaders(res, file) {
        res.setHeader("Cache-Control", file.startsWith(HASHED_ASSETS) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    }),
  );
  return router;
}
