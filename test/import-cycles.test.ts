/**
 * Imports in src/ only go one way: no file reaches itself through its imports, type-only
 * and dynamic imports included, so every layer can be read (and loaded) without the ones
 * above it. The graph is read with the TypeScript compiler's own import scanner.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'
import { kRoot } from './helpers/cli.js'

const kSrc = join(kRoot, 'src')

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

function importGraph (): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(kSrc)) {
    const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles
      .map(i => i.fileName)
      .filter(name => name.startsWith('.'))
      .map(name => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
    graph.set(file, imports)
  }
  return graph
}

/** Strongly connected components of more than one file, or of one that imports itself (Tarjan). */
function cycles (graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  let next = 0
  const visit = (file: string): void => {
    index.set(file, next); low.set(file, next); next++
    stack.push(file); onStack.add(file)
    for (const to of graph.get(file) ?? []) {
      if (!graph.has(to)) continue
      if (!index.has(to)) { visit(to); low.set(file, Math.min(low.get(file)!, low.get(to)!)) } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!))
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = []
      let member: string
      do { member = stack.pop()!; onStack.delete(member); component.push(member) } while (member !== file)
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.map(f => relative(kRoot, f)).sort())
    }
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return found
}

describe('import graph', () => {
  test('the scanner sees the imports (a file that imports is not read as a leaf)', () => {
    const graph = importGraph()
    expect(graph.get(join(kSrc, 'engine.ts'))).toContain(join(kSrc, 'errors.ts'))
    expect(cycles(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]]))).toEqual([['a', 'b']])
  })

  test('src/ has no import cycle', () => {
    expect(cycles(importGraph())).toEqual([])
  })
})
