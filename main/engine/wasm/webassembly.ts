// The few members of the WebAssembly JS API the kernel uses, typed here: the project's TypeScript lib (ES2023 with
// Node's types) does not declare the WebAssembly globals (they live in lib.dom).
export interface WasmModule {
  readonly kind?: 'wasm-module';
}
export interface WasmMemory {
  /** A SharedArrayBuffer for a shared memory. */
  readonly buffer: SharedArrayBuffer;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array<ArrayBuffer>) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
