/**
 * Every option of the public API says its default in its doc comment (`@default`), where
 * editors show it on hover: each optional property of every exported `...Options` / `...Config`
 * type of every entry point (`tshy.exports`), inherited ones included. Required options (a
 * `@debounce`'s `wait`, a `RedisBus`'s `url`) have none to say.
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { hotpathPaths } from '../../scripts/readme-samples.js';
import { REPO_ROOT } from '../setup/jest-project.js';

describe('option doc comments', () => {
  it('carry @default on every optional option of every entry point', () => {
    const entries = Object.values(hotpathPaths(REPO_ROOT)).map(([file]) => file!);
    const program = ts.createProgram(entries, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    });
    const checker = program.getTypeChecker();
    const checked: string[] = [];
    const missing: string[] = [];
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      for (const exported of checker.getExportsOfModule(module)) {
        const name = exported.getName();
        if (!/(Options|Config)$/.test(name)) continue;
        const symbol =
          exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        for (const property of checker.getPropertiesOfType(type)) {
          if (!(property.flags & ts.SymbolFlags.Optional)) continue;
          const declaration = property.valueDeclaration ?? property.declarations?.[0];
          const where = `${path.relative(REPO_ROOT, entry)}: ${name}.${property.getName()}`;
          checked.push(where);
          const tags = declaration ? ts.getJSDocTags(declaration) : [];
          if (!tags.some((tag) => tag.tagName.text === 'default')) missing.push(where);
        }
      }
    }
    // The public options are many: a change that lost them all would pass vacuously otherwise.
    expect(checked.length).toBeGreaterThan(80);
    expect(missing).toEqual([]);
  }, 60_000);
});
