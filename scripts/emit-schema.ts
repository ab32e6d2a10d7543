import path from "node:path";
import { createSchema } from "../src/graphql/schema";
import { PROJECT_ROOT } from "../src/paths";

/** Writes schema.graphql from the code: the file clients and codegen read. */
createSchema(path.join(PROJECT_ROOT, "schema.graphql")).then(
  () => console.log("wrote schema.graphql"),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
