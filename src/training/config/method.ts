/**
 * What a method tells the config layer about itself. Each architecture (src/training/models/), loss
 * weighting (src/training/weighting/) and optimiser (src/training/engine/optimizers.ts) has one
 * descriptor object beside its implementation; the config schema (schema.ts), the semantic checks
 * (semantics.ts), the New Experiment choices and file, docs/config-reference.md and docs/methods.md are
 * derived from a catalog of descriptors (catalog.ts), so a new method is one file and one registry line.
 */
import type { Static, TProperties, TSchema } from '@sinclair/typebox';
import type { OptimizerMethod } from '../engine/optimizers';
import type { ArchitectureMethod } from '../models/model';
import type { WeightingMethod } from '../weighting/strategy';
import type { ConfigIssue } from './issues';

export interface Paper {
  /** As cited in running text: "Chen et al.", "Sener & Koltun". */
  authors: string;
  year: number;
  title: string;
  url: string;
}

/** "Chen et al. 2018". */
export const citation = (paper: Paper): string => `${paper.authors} ${paper.year}`;

/** A test that checks a method against its formula or a known outcome: file (from the repository root) and test name. */
export interface PinningTest {
  file: string;
  test: string;
}

/** A config as the checks see it: as written (`given`, to tell written keys from defaults) and with defaults applied (`resolved`). Either may be invalid elsewhere. */
export interface ConfigView {
  given: unknown;
  resolved: unknown;
  tasks: TaskView[];
}

export interface TaskView {
  index: number;
  name?: string;
  type?: string;
  /** The task object as written. */
  given: Record<string, unknown>;
}

/** A method's settings: key → schema with its type, default, range and documentation. */
export type MethodOptions = TProperties;
/** No settings of its own. */
export type NoOptions = Record<never, TSchema>;

export interface MethodDescriptor<Id extends string = string, Options extends MethodOptions = MethodOptions> {
  /** The value that selects it in a config (`"loss": { "weighting": "gradnorm" }`). */
  readonly id: Id;
  /** Its name in pickers and docs: "GradNorm". */
  readonly label: string;
  /** One line without a final full stop: what it does. */
  readonly description: string;
  /** The paper it comes from; none for plain baselines and the article's own methods. */
  readonly paper?: Paper;
  /**
   * Keys of the config section (`model`, `loss`, `optimizer`) that only this method uses; a key declared by
   * several methods of a kind (optimiser momentum) is one schema object shared by them.
   */
  readonly options: Options;
  /** What a schema cannot say about its settings (the softmax floor below 1/K); runs only when the method is chosen. */
  check?(view: ConfigView): ConfigIssue[];
  /** The New Experiment file: comment lines above the method's key, and the values it suggests where they are not the defaults. */
  readonly newExperiment?: { note?: readonly string[]; values?(taskNames: readonly string[]): Record<string, unknown> };
  /** The tests that check it against its formula or a known outcome (listed in docs/methods.md). */
  readonly tests: readonly PinningTest[];
}

/** The default a method declares for one of its options: the one place it is written. */
export function defaultOf<O extends MethodOptions, K extends keyof O>(options: O, key: K): Static<O[K]> {
  return (options[key] as { default: Static<O[K]> }).default;
}

/** Every method the config can choose from. The real one is `METHODS` (catalog.ts); tests build their own. */
export interface MethodCatalog {
  readonly architectures: readonly ArchitectureMethod[];
  readonly weightings: readonly WeightingMethod[];
  readonly optimizers: readonly OptimizerMethod[];
}
