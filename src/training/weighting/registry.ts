/** Weighting name → implementation. Adding a strategy: one file and one line here. */
import type { Weighting } from '../config/schema';
import { DynamicWeightAverage } from './dynamicWeightAverage';
import { EqualWeighting } from './equal';
import { GradNormWeighting } from './gradNorm';
import { CaGradWeighting, MgdaWeighting, PcGradWeighting } from './gradientMethods';
import { LearnedSoftmaxWeighting } from './learnedSoftmax';
import { RandomLossWeighting } from './randomLoss';
import { StaticWeighting } from './static';
import type { WeightingContext, WeightingStrategy } from './strategy';
import { UncertaintyWeighting } from './uncertainty';

const STRATEGIES: Record<Weighting, new (context: WeightingContext) => WeightingStrategy> = {
  equal: EqualWeighting,
  static: StaticWeighting,
  rlw: RandomLossWeighting,
  softmax: LearnedSoftmaxWeighting,
  uncertainty: UncertaintyWeighting,
  dwa: DynamicWeightAverage,
  gradnorm: GradNormWeighting,
  pcgrad: PcGradWeighting,
  mgda: MgdaWeighting,
  cagrad: CaGradWeighting,
};

export function createWeighting(context: WeightingContext): WeightingStrategy {
  return new STRATEGIES[context.loss.weighting](context);
}
