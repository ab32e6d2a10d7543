// @types/node 20 does not declare the WebAssembly global; this is the part src/db/migrations.ts uses.
declare namespace WebAssembly {
  type Exports = Record<string, unknown>;
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, object>);
    readonly exports: Exports;
  }
}
