import pino from "pino";

export type Logger = pino.Logger;

/** JSON lines on stdout. Customer names, amounts and request bodies are never logged. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "solvent" }, timestamp: pino.stdTimeFunctions.isoTime });
}
