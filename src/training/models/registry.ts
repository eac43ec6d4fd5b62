/**
 * Every architecture, in the order the config schema, New Experiment and the docs list them. Adding an
 * architecture: one file (its descriptor and implementation) and one line here.
 */
import { crossStitch } from './crossStitch';
import { hardSharing } from './hardSharing';
import type { ModelContext, MultiTaskModel } from './model';
import { routing } from './routing';
import { transformer } from './transformer';
import { softSharing } from './softSharing';

export const ARCHITECTURE_METHODS = [hardSharing, softSharing, routing, crossStitch, transformer] as const;

export function createModel(context: ModelContext): MultiTaskModel {
  const method = ARCHITECTURE_METHODS.find((m) => m.id === context.config.architecture);
  if (!method) throw new Error(`unknown model.architecture ${JSON.stringify(context.config.architecture)}`);
  return method.create(context);
}
