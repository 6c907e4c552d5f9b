import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree, read with the TypeScript compiler's parser (no type checking): every static
 * `import`/`export … from`, `import x = require()` and dynamic `import()` of every `.ts` file, with the specifier
 * resolved to a file of the tree where it names one (relative paths and the package.json `#alias/*` imports).
 */
export interface ImportEdge {
  /** The importing file, relative to the root, with `/` separators. */
  readonly from: string;
  /** The imported file relative to the root (`/` separators) when it is one of ours, else undefined. */
  readonly to: string | undefined;
  /** What the source says, e.g. `#domain/inbox.ts`, `./x.ts`, `@aws-sdk/client-dynamodb`. */
  readonly specifier: string;
  /** `import type …`, `export type … from`, or every named binding marked `type`: erased at compile time. */
  readonly typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(source: ts.SourceFile): Array<{ specifier: string; typeOnly: boolean }> {
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedTypes =
        clause !== undefined &&
        clause.name === undefined &&
        bindings !== undefined &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: (clause?.isTypeOnly ?? false) || allNamedTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const allNamedTypes =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allNamedTypes });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) found.push({ specifier: literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Reads every import of the `.ts` files under `dir` (relative to `root`). `aliases` maps a package.json `imports` key
 * such as `#domain/*` to its target such as `./functions/domain/*`.
 */
export function readImportGraph(root: string, dir: string, aliases: Readonly<Record<string, string>>): ImportEdge[] {
  const toRoot = (path: string) => relative(root, path).split('\\').join(posix.sep);
  const resolveSpecifier = (file: string, specifier: string): string | undefined => {
    if (specifier.startsWith('.')) return toRoot(resolve(dirname(file), specifier));
    for (const [pattern, target] of Object.entries(aliases)) {
      const prefix = pattern.replace(/\*$/, '');
      if (pattern.endsWith('*') ? specifier.startsWith(prefix) : specifier === pattern) {
        return toRoot(resolve(root, target.replace(/\*$/, specifier.slice(prefix.length))));
      }
    }
    return undefined;
  };
  return tsFiles(join(root, dir)).flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    return importsOf(source).map(({ specifier, typeOnly }) => ({
      from: toRoot(file),
      to: resolveSpecifier(file, specifier),
      specifier,
      typeOnly,
    }));
  });
}
