/** The experiment config: schema, parsing with positioned errors, overrides, loading from disk. */
export * from './schema';
export { ConfigError, formatDiagnostic, formatPath, isConfigError, locateJsonPath, type ConfigDiagnostic, type JsonPath } from './diagnostics';
export { analyseExperimentText, diagnoseExperimentText, parseExperimentText, type ExperimentAnalysis } from './parse';
export { applyOverrides, parseOverridePath, type AppliedOverride, type OverrideResult } from './overrides';
export { displayPath, loadExperimentConfig } from './load';
