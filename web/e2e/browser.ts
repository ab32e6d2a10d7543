import { existsSync } from "node:fs";

/** Debian's Chromium (Playwright's own browser downloads are not reachable here), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const INSTALL_CHROMIUM = "Install it with `apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH.";
