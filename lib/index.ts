/**
 * loadsim's public API: everything a user needs to build a simulation of their
 * own, write a distribution, profile or observer, or read a config in code.
 */

// Time and randomness (injected everywhere).
export { RealClock, ScaledClock, VirtualClock } from './clock.js';
export type { Clock, Timer } from './clock.js';
export { Random } from './random.js';

// Errors.
export { ConfigError, DistributionError, LoadsimError, NotImplementedYetError, OutputError, UsageError, formatProblem } from './errors.js';
export type { LoadsimErrorCode, Problem } from './errors.js';

// Configuration.
export { loadConfig } from './config/load-config.js';
export { configInCode } from './config/config-in-code.js';
export type { ConfigInCode } from './config/config-in-code.js';
export type { LoadConfigOptions, LoadConfigResult } from './config/load-config.js';
export type { ClientKind, Configured, LoadsimConfig, ProfileConfig, ServerPod, WorkersConfig } from './config/config-types.js';
export { describePlan } from './config/describe-plan.js';
export { readPlistFile } from './config/plist-file.js';
export { ParamReader, checkNumber } from './config/params.js';
export type { NumberRule } from './config/params.js';
export { readParams, resolveFile } from './config/param-spec.js';
export type { FileParam, ParamDef, ParamSpec, ParamType, ParamValue, ParamValues, ResolveContext } from './config/param-spec.js';
export { resolveDistribution } from './config/distribution-spec.js';
export type { DistributionSpec } from './config/distribution-spec.js';
export { Problems, Scope, sourceFile } from './config/problems.js';
export type { SourceFile } from './config/problems.js';

// Registries.
export { Registry, KIND_NOUN, isModuleReference } from './registry/registry.js';
export type { PluginDefinition, PluginKind, Resolved } from './registry/registry.js';
export { createRegistry } from './registry/builtins.js';
export { unimplementedPlugins } from './registry/implemented.js';
export type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition, SpecDefinition } from './registry/definitions.js';

// Your own plug-ins: profiles (on ProfileBase), observers and client models, named from plists as ./module.js#Export.
export { defineObserver, defineProfile } from './registry/define.js';
export type { ObserverOptions, ProfileOptions } from './registry/define.js';
export { ProfileBase, OperationFailed } from '../profiles/profile-base.js';
export { defineClientModel, clientModelParams } from './clients/catalog.js';
export type { ClientModelOptions } from './clients/catalog.js';

// Distributions.
export type { Distribution, DistributionContext, DistributionDefinition } from './distribution.js';
export * from '../distributions/index.js';

// Population: accounts, arrival, the client-kind cycle.
export type { AccountRecord } from './population/account-record.js';
export { formatPattern, generateRecords, interleavePods, parseAccountsCSV, recordsFromCSVFile } from './population/accounts.js';
export type { GenerateRecordsOptions } from './population/accounts.js';
export type { Arrival, ArrivalPolicy } from './population/arrival/arrival-policy.js';
export { SmoothRampUp, smoothRampUpDefaults } from './population/arrival/smooth-ramp-up.js';
export type { SmoothRampUpOptions } from './population/arrival/smooth-ramp-up.js';
export { ConstantArrivalRate, constantArrivalRateDefaults } from './population/arrival/constant-arrival-rate.js';
export type { ConstantArrivalRateOptions } from './population/arrival/constant-arrival-rate.js';
export { clientKindCycle, clientsPerKind } from './population/client-cycle.js';

// Catalogs of what is registered (profiles, client models, observers).
export { builtinProfiles } from '../profiles/catalog.js';
export { builtinClientModels } from './clients/catalog.js';
export { builtinObservers } from './observers/catalog.js';
export { checkThresholds } from './observers/thresholds-file.js';
export type { ThresholdSection, Thresholds } from './observers/thresholds-file.js';

// The simulation.
export { LoadSimulator } from './simulator/simulator.js';
export type { RunOptions, RunResult, SimulatorOptions } from './simulator/simulator.js';
export { runInVirtualTime } from './simulator/virtual-time.js';
export { Population } from './simulator/population.js';
export { EventBus } from './simulator/event-bus.js';
export { readServerStats } from './simulator/server-stats-reader.js';
export type { ClientFailureEvent, ClientIdentity, EmitEvent, NoticeEvent, OperationEvent, RequestEvent, ResponseEvent, SimEvent, SimExpiredEvent, SimFailureEvent, StatusEvent } from './events.js';
export type { Observer, ObserverContext, ReportContext } from './observers/observer.js';
export type { Profile, ProfileContext, PopulationView } from './profile.js';
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
export type { FullStats, IntervalFigures, IntervalRecord, LabelSummary, ResultDocument, SavedLabel, SavedSection, ServerSummary } from './report/result-document.js';
export { PERCENTILE_KEYS } from './report/result-document.js';
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
