/**
 * loadsim's public API: everything a user needs to build a simulation of their
 * own, write a distribution, profile or observer, or read a config in code.
 */

// Time and randomness (injected everywhere).
export { RealClock, ScaledClock, VirtualClock } from './core/clock.js';
export type { Clock, Timer } from './core/clock.js';
export { Random } from './core/random.js';

// Errors.
export { ConfigError, DistributionError, LoadsimError, OutputError, UsageError, formatProblem } from './core/errors.js';
export type { LoadsimErrorCode, Problem } from './core/errors.js';

// Configuration.
export { loadConfig } from './config/load-config.js';
export { configInCode } from './config/config-in-code.js';
export type { ConfigInCode } from './config/config-in-code.js';
export type { LoadConfigOptions, LoadConfigResult } from './config/load-config.js';
export type { ClientKind, Configured, LoadsimConfig, ProfileConfig, ServerPod, WorkersConfig } from './config/config-types.js';
export { describePlan } from './config/describe-plan.js';
export { readPlistFile } from './params/plist-file.js';
export { ParamReader, checkNumber } from './params/params.js';
export type { NumberRule } from './params/params.js';
export { readParams, resolveFile } from './params/param-spec.js';
export type { FileParam, ParamDef, ParamSpec, ParamType, ParamValue, ParamValues, ResolveContext } from './params/param-spec.js';
export { resolveDistribution } from './params/distribution-spec.js';
export type { DistributionSpec } from './params/distribution-spec.js';
export { Problems, Scope, sourceFile } from './params/problems.js';
export type { SourceFile } from './params/problems.js';

// Registries.
export { Registry, KIND_NOUN, isModuleReference } from './params/registry.js';
export type { PluginDefinition, PluginKind, Resolved } from './params/registry.js';
export { createRegistry } from './config/builtins.js';
export type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition, SpecDefinition } from './registry/definitions.js';

// Your own plug-ins: profiles (on ProfileBase), observers and client models, named from plists as ./module.js#Export.
export { defineObserver, defineProfile } from './registry/define.js';
export type { ObserverOptions, ProfileOptions } from './registry/define.js';
export { ProfileBase, OperationFailed } from '../profiles/profile-base.js';
export { defineClientModel, clientModelParams } from './registry/client-models.js';
export type { ClientModelOptions } from './registry/client-models.js';

// Distributions.
export type { Distribution, DistributionContext, DistributionDefinition } from './params/distribution.js';
export * from '../distributions/index.js';

// Population: accounts, arrival, the client-kind cycle.
export type { AccountRecord } from './core/account-record.js';
export { formatPattern, generateRecords, interleavePods, parseAccountsCSV, recordsFromCSVFile } from './population/accounts.js';
export type { GenerateRecordsOptions } from './population/accounts.js';
export type { Arrival, ArrivalPolicy } from './registry/arrival-policy.js';
export { SmoothRampUp, smoothRampUpDefaults } from './population/arrival/smooth-ramp-up.js';
export type { SmoothRampUpOptions } from './population/arrival/smooth-ramp-up.js';
export { ConstantArrivalRate, constantArrivalRateDefaults } from './population/arrival/constant-arrival-rate.js';
export type { ConstantArrivalRateOptions } from './population/arrival/constant-arrival-rate.js';
export { clientKindCycle, clientsPerKind } from './population/client-cycle.js';

// Catalogs of what is registered (profiles, client models, observers).
export { builtinProfiles } from '../profiles/catalog.js';
export { builtinClientModels } from './registry/client-models.js';
export { builtinObservers } from './observers/catalog.js';
export { checkThresholds } from './stats/thresholds-file.js';
export type { ThresholdSection, Thresholds } from './stats/thresholds-file.js';

// The simulation.
export { LoadSimulator } from './simulator/simulator.js';
export type { RunOptions, RunResult, SimulatorOptions } from './simulator/simulator.js';
export { runInVirtualTime } from './simulator/virtual-time.js';
export { Population } from './simulator/population.js';
export { EventBus } from './simulator/event-bus.js';
export { readServerStats } from './simulator/server-stats-reader.js';
export type { ClientFailureEvent, ClientIdentity, EmitEvent, NoticeEvent, OperationEvent, RequestEvent, ResponseEvent, SimEvent, SimExpiredEvent, SimFailureEvent, StatusEvent } from './core/events.js';
export type { Observer, ObserverContext, ReportContext } from './registry/observer.js';
export type { Profile, ProfileContext, PopulationView } from './registry/profile.js';
export { CalDAVClient, IncorrectResponseCode } from './clients/client.js';
export type { ClientOptions, ClientParams } from './clients/client.js';
export { MODELS } from './clients/models.js';
export type { ModelBehaviour, ModelName } from './clients/models.js';
export { AmpPushHub } from './clients/amp-push-hub.js';
export { DavHttp } from './caldav/http.js';
export { CONNECTION_MODELS, type ConnectionModel } from './caldav/connection-model.js';
export { AuthSession } from './caldav/auth.js';
export { startTestbed, testbedUsers } from './testbed/server.js';
export type { Testbed, TestbedOptions } from './testbed/server.js';
export { LatencyHistogram } from './stats/latency-histogram.js';
export { LabelTable } from './stats/label-table.js';
export { FailureTable, FAILURE_TABLE_DEFAULTS, NOT_RECORDED, OTHER_KINDS, topKinds, type FailureCounts, type FailureTableOptions } from './stats/failure-table.js';
export { httpStatusKind, operationFailureKind, responseFailureKind } from './stats/failure-kind.js';
export { ReportStatistics } from './observers/report-statistics.js';
export { OperationLogger } from './observers/operation-logger.js';
export { startWebAdmin } from './webadmin/webadmin.js';
export type { EventSink } from './simulator/simulator.js';

// Results: the saved document, the time series, and what is made from them.
export { buildResult } from './report/build-result.js';
export type { BuildResultArgs } from './report/build-result.js';
export type { FullStats, IntervalFigures, IntervalRecord, LabelSummary, ResultDocument, SavedLabel, SavedSection, ServerSummary } from './result/result-document.js';
export { PERCENTILE_KEYS } from './result/result-document.js';
export { IntervalRecorder } from './report/interval-recorder.js';
export { renderTextReport } from './report/text-report.js';
export { fullStats, percentileCurve } from './report/full-stats.js';
export { renderHtml } from './report/html.js';
export { renderJUnit } from './report/junit.js';
export { compareResults, renderComparison, DEFAULT_COMPARE_OPTIONS } from './report/compare.js';
export type { CompareOptions, Comparison, LabelComparison, MetricChange } from './report/compare.js';
export { readResultDocument, checkResultDocument } from './report/read-result.js';
export { writeResultFiles } from './report/result-files.js';
export type { ResultFiles } from './report/result-files.js';
export { JtlWriter, JTL_COLUMNS } from './report/jtl-writer.js';
export { appendRunToDb } from './report/results-db.js';
export { runPostRun, postRunEnvironment } from './report/post-run.js';

// Slices of a run, merged.
export { mergeResults } from './workers/merge-results.js';
export type { MergeInput } from './workers/merge-results.js';

// The command line, for embedding.
export { main as runCli } from './cli/main.js';
