import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/client";

/** Bytes of HMAC-SHA256 a cursor carries: 128 bits cannot be guessed. */
const TAG_BYTES = 16;
const SIGNING_KEY_PURPOSE = "cursor";

/**
 * Cursors are positions signed by the server, so a client can hand back only
 * positions it was given: an altered or invented one is refused instead of
 * silently paging from wherever it points. The key lives in the database,
 * made by the first server that needs it, so every server process accepts
 * the cursors of every other; deleting it retires every cursor issued.
 */
export class Cursors {
  private constructor(private readonly key: Uint8Array) {}

  static async load(db: Db): Promise<Cursors> {
    await db.signingKey.createMany({ data: [{ purpose: SIGNING_KEY_PURPOSE, secret: randomBytes(32) }], skipDuplicates: true });
    const { secret } = await db.signingKey.findUniqueOrThrow({ where: { purpose: SIGNING_KEY_PURPOSE } });
    return new Cursors(secret);
  }

  /** `kind` keeps a cursor of one list from being accepted by another. */
  encode(kind: string, position: string): string {
    return `${Buffer.from(position, "latin1").toString("base64url")}.${this.tag(kind, position).toString("base64url")}`;
  }

  /** The position a cursor of this kind holds, or undefined when this server did not issue it. */
  decode(kind: string, cursor: string): string | undefined {
    const [encoded, tag, ...rest] = cursor.split(".");
    if (rest.length > 0 || tag === undefined) return undefined;
    const position = Buffer.from(encoded, "base64url").toString("latin1");
    const given = Buffer.from(tag, "base64url");
    const expected = this.tag(kind, position);
    return given.length === expected.length && timingSafeEqual(given, expected) ? position : undefined;
  }

  private tag(kind: string, position: string): Buffer {
    return createHmac("sha256", this.key).update(`${kind}\n${position}`, "latin1").digest().subarray(0, TAG_BYTES);
  }
}
