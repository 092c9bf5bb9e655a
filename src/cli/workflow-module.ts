/**
 * Workflow modules on the command line: `module.mjs`, `module.ts#name` or `--workflow name`.
 * A TypeScript module, or `--typescript`, registers tsx first; a workflow whose handlers are
 * TypeScript asks the engine for `typescript: true`, so that the workers load them too.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isWorkflow, type Workflow } from '../workflow/builder.js'
import { commonJsHint, isTypeScriptFile, registerTypeScript } from '../typescript.js'
import { usage } from './command.js'

/** A workflow a module exports, under the name it is exported as (`default` for the default export). */
interface ExportedWorkflow {
  exportName: string
  workflow: Workflow
}

/** The workflow a command runs, and whether its engine must load TypeScript handlers. */
export interface ChosenWorkflow {
  workflow: Workflow
  typescript: boolean
}

/**
 * Imports a module and returns the workflows it exports, the default export first.
 * @param typescript register tsx even when the file name does not say TypeScript
 * @throws {UsageError} when the module does not load or exports no workflow
 * @throws {MissingDependencyError} when the module is TypeScript and tsx is not installed
 */
async function loadWorkflows (command: string, path: string, typescript = false): Promise<ExportedWorkflow[]> {
  if (typescript || isTypeScriptFile(path)) await registerTypeScript()
  let mod: Record<string, unknown>
  try {
    mod = await import(pathToFileURL(resolve(path)).href)
  } catch (err) {
    const message = (err as Error).message
    throw usage(command, `cannot load workflow module ${path}: ${message}${commonJsHint(message)}`)
  }
  const found: ExportedWorkflow[] = []
  if (isWorkflow(mod.default)) found.push({ exportName: 'default', workflow: mod.default })
  for (const [exportName, value] of Object.entries(mod)) {
    if (exportName !== 'default' && isWorkflow(value) && !found.some(f => f.workflow === value)) found.push({ exportName, workflow: value })
  }
  if (found.length === 0) {
    throw usage(command, `${path} exports no workflow: export default createWorkflow('id')...build() ` +
      `(exports found: ${Object.keys(mod).join(', ') || 'none'})`)
  }
  return found
}

/**
 * The workflows of every module of `--workflows`, loaded before any connection is made
 * (a module that does not load is a usage error), and whether the engine needs tsx: asked
 * for, a TypeScript module, or a TypeScript handler.
 */
export async function loadWorkflowModules (command: string, paths: readonly string[], typescript = false): Promise<{ workflows: Workflow[], typescript: boolean }> {
  const workflows: Workflow[] = []
  for (const path of paths) {
    for (const { workflow } of await loadWorkflows(command, path, typescript)) {
      workflows.push(workflow)
      typescript ||= isTypeScriptFile(path) || hasTypeScriptHandlers(workflow)
    }
  }
  return { workflows, typescript }
}

/** Whether a workflow has a TypeScript handler (the workers then need tsx). */
function hasTypeScriptHandlers (workflow: Workflow): boolean {
  return workflow.tasks.some(task => isTypeScriptFile(task.handler))
}

/**
 * The one workflow that `run` or `bench` is about: `module#name`, or `--workflow name`, names
 * it by export name or workflow id; a module with one workflow needs no name.
 * @param spec the positional argument, `path` or `path#name`
 * @throws {UsageError} when the name matches nothing, or the module has several workflows and none was chosen
 */
export async function chooseWorkflow (command: string, spec: string, flags: { workflow?: string, typescript?: boolean }): Promise<ChosenWorkflow> {
  const hash = spec.lastIndexOf('#')
  const path = hash === -1 ? spec : spec.slice(0, hash)
  const fromSpec = hash === -1 ? undefined : spec.slice(hash + 1)
  if (fromSpec !== undefined && flags.workflow !== undefined && fromSpec !== flags.workflow) {
    throw usage(command, `two workflows asked for: #${fromSpec} and --workflow ${flags.workflow}`)
  }
  const name = fromSpec ?? flags.workflow
  const exported = await loadWorkflows(command, path, flags.typescript === true)
  const listing = exported.map(e => e.exportName === e.workflow.id ? e.exportName : `${e.exportName} (id "${e.workflow.id}")`).join(', ')
  let chosen: ExportedWorkflow | undefined
  if (name !== undefined) {
    chosen = exported.find(e => e.exportName === name) ?? exported.find(e => e.workflow.id === name)
    if (chosen === undefined) throw usage(command, `${path} has no workflow "${name}"; it exports: ${listing}`)
  } else if (exported.length > 1) {
    throw usage(command, `${path} exports ${exported.length} workflows: ${listing}; choose one with ` +
      `${path}#${exported[0].exportName} or --workflow ${exported[0].exportName}`)
  } else {
    chosen = exported[0]
  }
  const typescript = flags.typescript === true || isTypeScriptFile(path) || hasTypeScriptHandlers(chosen.workflow)
  // The main thread checks for tsx too, so that a missing package is one clear error, not one per task.
  if (typescript) await registerTypeScript()
  return { workflow: chosen.workflow, typescript }
}
