/**
 * A stand-in for the `vscode` module, for unit tests of extension code that must import it (command
 * registration, command handlers). What a test gives in `api` is used as is (nested objects are looked
 * up the same way); everything else is inert: any property is another inert value, calling or
 * constructing one returns an inert value, and it is not a thenable (so `await` on it resolves to it).
 *
 * Install it before the code under test is loaded (require() it after installFakeVscode; a static
 * import would be hoisted above the call). Each test file runs in its own process under `node --test`.
 */
import Module from 'node:module';

type Api = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Api {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function fake(name: string, api: Api = {}): unknown {
  const target = function () {};
  const lookup = (key: string | symbol): unknown => {
    if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(api, key)) {
      const value = api[key];
      return isPlainObject(value) ? fake(`${name}.${key}`, value) : value;
    }
    if (key === 'then') return undefined; // not a thenable
    if (key === 'toString' || key === Symbol.toPrimitive) return () => name;
    if (key === Symbol.iterator) return function* () {};
    if (typeof key === 'symbol') return undefined; // `x instanceof vscode.Uri` is false for test values
    return fake(`${name}.${key}`);
  };
  // A namespace import (`import * as vscode`) is compiled to an object that copies the module's own
  // properties and inherits from its prototype: the prototype answers with the same lookups.
  const inherited = new Proxy({}, { get: (_target, key) => lookup(key) });
  return new Proxy(target, {
    get: (_target, key) => lookup(key),
    getPrototypeOf: () => inherited,
    set() {
      return true;
    },
    apply() {
      return fake(`${name}()`);
    },
    construct() {
      return fake(`new ${name}`) as object;
    },
  });
}

/** Makes `require('vscode')` (and `import … from 'vscode'`) return the stand-in. */
export function installFakeVscode(api: Api): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  const vscode = fake('vscode', api);
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
}
