/**
 * Every loss weighting, in the order the config schema, New Experiment and the docs list them. Adding a
 * strategy: one file (its descriptor and implementation) and one line here.
 */
import { cagrad } from './cagrad';
import { dynamicWeightAverage } from './dynamicWeightAverage';
import { equal } from './equal';
import { famo } from './famo';
import { gradNorm } from './gradNorm';
import { imtlG } from './imtlG';
import { learnedSoftmax } from './learnedSoftmax';
import { mgda } from './mgda';
import { pcgrad } from './pcgrad';
import { randomLoss } from './randomLoss';
import { staticWeighting } from './static';
import type { WeightingContext, WeightingStrategy } from './strategy';
import { uncertainty } from './uncertainty';

export const WEIGHTING_METHODS = [equal, staticWeighting, uncertainty, dynamicWeightAverage, randomLoss, learnedSoftmax, gradNorm, pcgrad, mgda, cagrad, imtlG, famo] as const;

export function createWeighting(context: WeightingContext): WeightingStrategy {
  const method = WEIGHTING_METHODS.find((m) => m.id === context.loss.weighting);
  if (!method) throw new Error(`unknown loss.weighting ${JSON.stringify(context.loss.weighting)}`);
  return method.create(context);
}
