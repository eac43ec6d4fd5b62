/**
 * The Python interpreter a `"program"` experiment runs with when its command starts with python / python3: the
 * `mtlLab.pythonInterpreter` setting, else the interpreter the Python extension (ms-python.python) has selected
 * for the workspace, else none (the command runs as written, `python` from PATH). Read without activating the
 * Python extension: Start Run must not wait on another extension's start-up.
 */
import * as vscode from 'vscode';
import type { Settings } from '../settings';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

/** The parts of the Python extension's API read here: the environments API, and the older execution details. */
interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/** The selected interpreter in the Python extension's exports, if they name one. */
export function interpreterFromPythonApi(api: unknown, resource?: vscode.Uri): string | undefined {
  const python = api as PythonExtensionApi | undefined;
  try {
    const active = python?.environments?.getActiveEnvironmentPath?.(resource)?.path;
    if (typeof active === 'string' && active.trim()) return active.trim();
    const exec = python?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
    if (typeof exec === 'string' && exec.trim()) return exec.trim();
  } catch {
    // An API of another shape (another version): fall back to the command as written.
  }
  return undefined;
}

export function pythonInterpreter(settings: Settings, resource?: vscode.Uri): string | undefined {
  if (settings.pythonInterpreter) return settings.pythonInterpreter;
  // Only in a trusted workspace: the interpreter is a program to execute, like the setting.
  if (!vscode.workspace.isTrusted) return undefined;
  const extension = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  return extension?.isActive ? interpreterFromPythonApi(extension.exports, resource) : undefined;
}
