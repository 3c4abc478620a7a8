// The compiler options of the tests that build a TypeScript program over the sources (declaredOutputs.ts,
// refusalReach.ts): the repo's own settings for type-checking .ts imports, emitting nothing.
import ts from 'typescript';

export function checkOnlyOptions(types: string[]): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types,
  };
}
