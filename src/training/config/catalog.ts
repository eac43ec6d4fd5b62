/** The methods a config can choose from: every registered architecture, loss weighting and optimiser. */
import { OPTIMIZER_METHODS } from '../engine/optimizers';
import { ARCHITECTURE_METHODS } from '../models/registry';
import { WEIGHTING_METHODS } from '../weighting/registry';

export const METHODS = { architectures: ARCHITECTURE_METHODS, weightings: WEIGHTING_METHODS, optimizers: OPTIMIZER_METHODS } as const;
