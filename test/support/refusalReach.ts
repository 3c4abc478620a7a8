// Which refusal codes each command's handler can reach, read from the code with the type checker: from the handler in
// main/commands/handlers.ts (its sub-tables spread in), every function it names, and every function those name, in
// the project's own files; in each, the codes of `new RuleError(...)`, `new LedgerFailure(...)` and the verdicts'
// `no(...)`. A code passed on from elsewhere (`e.code`) is not a site of its own. A command that runs another through
// the handlers table (approvals.confirm runs the held one) reaches only its own rules: the table is not followed.
import ts from 'typescript';
import { checkOnlyOptions } from './tsOptions.ts';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HANDLERS = path.join(ROOT, 'main/commands/handlers.ts');
const REFUSING = new Set(['RuleError', 'LedgerFailure']);

export function reachableRefusals(): Map<string, Set<string>> {
  const program = ts.createProgram([HANDLERS], checkOnlyOptions(['node']));
  const checker = program.getTypeChecker();
  const own = (sf: ts.SourceFile) => !sf.fileName.includes('node_modules') && sf.fileName.startsWith(ROOT);

  const resolve = (n: ts.Node): ts.Declaration[] => {
    let s = checker.getSymbolAtLocation(n);
    if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    return s?.declarations ?? [];
  };

  /** The code (what runs) of a declaration that is a function, or null. */
  const bodyOf = (d: ts.Declaration): ts.Node | null => {
    if (!own(d.getSourceFile())) return null;
    if (ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d) || ts.isConstructorDeclaration(d) || ts.isGetAccessor(d)) return d.body ?? null;
    if (ts.isVariableDeclaration(d) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer) || ts.isCallExpression(d.initializer))) {
      return d.initializer;
    }
    if (ts.isClassDeclaration(d)) return d;
    return null;
  };

  const codesIn = new Map<ts.Node, { codes: Set<string>; calls: Set<ts.Node> }>();
  const scan = (root: ts.Node) => {
    let r = codesIn.get(root);
    if (r) return r;
    r = { codes: new Set(), calls: new Set() };
    codesIn.set(root, r);
    const found = r;
    const literals = (e: ts.Node) => {
      if (ts.isStringLiteralLike(e)) found.codes.add(e.text);
      else if (ts.isConditionalExpression(e) || ts.isParenthesizedExpression(e)) ts.forEachChild(e, literals);
    };
    const visit = (n: ts.Node) => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && REFUSING.has(n.expression.text) && n.arguments?.[0]) literals(n.arguments[0]);
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'no' && n.arguments[0]) literals(n.arguments[0]);
      if (ts.isIdentifier(n) && n.text !== 'handlers') {
        for (const d of resolve(n)) {
          const b = bodyOf(d);
          if (b && b !== root) found.calls.add(b);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(root);
    return found;
  };

  const reach = (start: ts.Node): Set<string> => {
    const codes = new Set<string>();
    const seen = new Set<ts.Node>();
    const queue = [start];
    while (queue.length) {
      const n = queue.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const r = scan(n);
      for (const c of r.codes) codes.add(c);
      for (const c of r.calls) if (!seen.has(c)) queue.push(c);
    }
    return codes;
  };

  // channel -> handler expression, through the tables spread into `handlers`.
  const entries = new Map<string, ts.Node>();
  const table = (o: ts.ObjectLiteralExpression) => {
    for (const p of o.properties) {
      if (ts.isPropertyAssignment(p) && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name))) entries.set(p.name.text, p.initializer);
      else if (ts.isSpreadAssignment(p)) {
        for (const d of resolve(p.expression)) if (ts.isVariableDeclaration(d) && d.initializer) objectOf(d.initializer);
      }
    }
  };
  const objectOf = (e: ts.Expression) => {
    if (ts.isObjectLiteralExpression(e)) table(e);
    else if (ts.isCallExpression(e)) e.arguments.forEach(objectOf);
    else if (ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) objectOf(e.expression);
  };
  const sf = program.getSourceFile(HANDLERS)!;
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === 'handlers' && d.initializer) objectOf(d.initializer);
  }
  const out = new Map<string, Set<string>>();
  for (const [channel, node] of entries) out.set(channel, reach(node));
  return out;
}
