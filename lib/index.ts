/**
 * loadsim's public API: what a user needs to write a profile, an observer, a
 * client model, a distribution, an arrival policy or an account loader of
 * their own, to build and run a simulation in code, and to read its results.
 * Nothing internal: the engine's parts (HTTP layer, population, event bus,
 * statistics tables) stay behind these names, free to change.
 * test/architecture/public-api.test.ts holds this list.
 */

// A simulation, in code or from plists.
export { LoadSimulator } from './simulator/simulator.js';
export type { RunOptions, RunResult, SimulatorOptions } from './simulator/simulator.js';
export { runInVirtualTime } from './simulator/virtual-time.js';
export { configInCode } from './config/config-in-code.js';
export type { ConfigInCode } from './config/config-in-code.js';
export { loadConfig } from './config/load-config.js';
export type { LoadConfigOptions, LoadConfigResult } from './config/load-config.js';
export type { LoadsimConfig } from './config/config-types.js';
export { createRegistry } from './config/builtins.js';
export type { Registry } from './params/registry.js';

// Time and randomness, injected everywhere: a seed replays a run.
export { RealClock, ScaledClock, VirtualClock } from './core/clock.js';
export type { Clock, Timer } from './core/clock.js';
export { Random } from './core/random.js';

// Errors, each with a stable `code`.
export { ConfigError, DistributionError, LoadsimError, OutputError, UsageError } from './core/errors.js';
export type { LoadsimErrorCode, Problem } from './core/errors.js';

// Your own plug-ins: the same definitions the built-ins are.
export { defineObserver, defineProfile } from './registry/define.js';
export type { ObserverOptions, ProfileOptions } from './registry/define.js';
export { defineClientModel } from './registry/client-models.js';
export type { ClientModelOptions } from './registry/client-models.js';
export type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition, SpecDefinition } from './registry/definitions.js';
export type { ParamDef, ParamSpec, ParamType, ParamValue, ParamValues, ParamsOf, FileParam } from './params/param-spec.js';
export type { ParamReader } from './params/params.js';

// Profiles: ProfileBase and what it works with.
export { ProfileBase, OperationFailed } from '../profiles/profile-base.js';
export type { Profile, ProfileContext, PopulationView } from './registry/profile.js';
export type { CalendarClient, RequestSpec } from './clients/calendar-client.js';
export type { ClientParams } from './clients/client.js';
export { IncorrectResponseCode } from './clients/client.js';
export type { CalendarState, EventState } from './clients/state.js';
export type { ModelBehaviour, ModelName } from './clients/models.js';

// Observers and the events they read.
export type { Observer, ObserverContext, ReportContext } from './registry/observer.js';
export type { ClientFailureEvent, ClientIdentity, NoticeEvent, OperationEvent, RequestEvent, ResponseEvent, SimEvent, SimExpiredEvent, SimFailureEvent, StatusEvent } from './core/events.js';

// Distributions: the contract, and the built-ins to build on.
export type { Distribution, DistributionContext, DistributionDefinition } from './params/distribution.js';
export * from '../distributions/index.js';

// Users and their arrival.
export type { AccountRecord } from './core/account-record.js';
export { generateRecords, parseAccountsCSV, recordsFromCSVFile } from './population/accounts.js';
export type { Arrival, ArrivalPolicy } from './registry/arrival-policy.js';
export { SmoothRampUp, smoothRampUpDefaults } from './population/arrival/smooth-ramp-up.js';
export type { SmoothRampUpOptions } from './population/arrival/smooth-ramp-up.js';
export { ConstantArrivalRate, constantArrivalRateDefaults } from './population/arrival/constant-arrival-rate.js';
export type { ConstantArrivalRateOptions } from './population/arrival/constant-arrival-rate.js';

// A server to try things against: the embedded testbed.
export { startTestbed, testbedUsers } from './testbed/server.js';
export type { Testbed, TestbedOptions } from './testbed/server.js';
export type { ServerQuirks } from './testbed/quirks.js';

// Results: the saved document and what is made from it.
export type { FullStats, IntervalFigures, IntervalRecord, LabelSummary, ResultDocument } from './result/result-document.js';
export { readResultDocument } from './result/read-result.js';
export { reportText } from './report/text-report.js';
export { renderHtml } from './report/html.js';
export { renderJUnit } from './report/junit.js';
export { compareResults, renderComparison } from './report/compare.js';
export type { CompareOptions, Comparison } from './report/compare.js';
export { mergeResults } from './result/merge-results.js';
export type { MergeInput } from './result/merge-results.js';

// The command line, for embedding.
export { main as runCli } from './cli/main.js';
