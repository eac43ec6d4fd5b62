/** Architecture name → implementation. Adding an architecture: one file and one line here. */
import type { Architecture } from '../config/schema';
import { HardSharingModel } from './hardSharing';
import { CrossStitchModel } from './crossStitch';
import type { ModelContext, MultiTaskModel } from './model';
import { RoutingModel } from './routing';
import { SoftSharingModel } from './softSharing';

const ARCHITECTURES: Record<Architecture, new (context: ModelContext) => MultiTaskModel> = {
  hard: HardSharingModel,
  soft: SoftSharingModel,
  routing: RoutingModel,
  'cross-stitch': CrossStitchModel,
};

export function createModel(context: ModelContext): MultiTaskModel {
  return new ARCHITECTURES[context.config.architecture](context);
}
