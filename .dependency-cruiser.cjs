// The layering of plugd's sources, checked by `npm run lint:layers` (part of
// `npm test`). Layers import downward only:
//   core/channel  <-  core/rpc, core/host  <-  core/daemon.ts  <-  core/cli
// core/rpc and core/host meet through small interfaces, not each other's
// internals (host may use rpc's errors and registry; rpc never imports host).
// Beside them, below the daemon: core/home (the daemon's home and process),
// core/config, core/trust, core/observe, and core/contract (a leaf).
// core/worker runs a plugin inside its worker: it sits on the channel, reads
// the SDK's types (what it runs), and nothing in core imports it: the host
// starts it by its built entry's path (core/package-root.ts `built`).
// sdk/ is what a plugin author imports (the API, the test harness): it may
// use the few core modules listed below, and core never imports the SDK.
// The dashboard's page (web/) runs in a browser: it imports its own files, its
// libraries and core/contract/, nothing else of plugd.
// Type-only imports count too (tsPreCompilationDeps): a type cycle or an
// upward type import ties the layers together as much as a value import does.

/** What sdk/ (the API and the test harness) may import from core/. Keep it short. */
const SDK_MAY_IMPORT = [
  // sdk/index.ts, the API: the shapes that cross to a worker, signals, errors, a loop's options.
  '^core/channel/protocol\\.ts$',
  '^core/signals\\.ts$',
  '^core/rpc/errors\\.ts$',
  '^core/worker/loop\\.ts$',
  '^core/worker/plugin-api\\.ts$',
  // sdk/testing.ts runs a plugin in-process the way the daemon does.
  '^core/worker/instance\\.ts$',
  '^core/hooks\\.ts$',
  '^core/package-root\\.ts$',
  '^core/rpc/dispatcher\\.ts$',
  '^core/rpc/registry\\.ts$',
  '^core/rpc/raw-json\\.ts$',
  '^core/rpc/answer-text\\.ts$',
  '^core/host/compile\\.ts$',
  '^core/host/discovery\\.ts$',
  '^core/host/plugin-methods\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'Every import resolves: a rule cannot judge an import it cannot follow.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle, type-only ones included: a cycle makes two modules one layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'channel-imports-nothing-of-plugd',
      severity: 'error',
      comment: 'core/channel is the bottom layer: node built-ins and itself only.',
      from: { path: '^core/channel/' },
      to: { pathNot: '^core/channel/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'contract-is-a-leaf',
      severity: 'error',
      comment:
        'core/contract holds the shapes every side reads (answers, statuses, HOST:PORT): TypeBox, node built-ins and itself only.',
      from: { path: '^core/contract/' },
      to: { pathNot: ['^core/contract/', '@sinclair/typebox'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-never-imports-sdk',
      severity: 'error',
      comment:
        'The SDK builds on core, never the other way round: the plugin API it exports lives in core/worker/plugin-api.ts.',
      from: { path: '^core/' },
      to: { path: '^sdk/' },
    },
    {
      name: 'worker-sits-on-the-channel',
      severity: 'error',
      comment: 'A worker boots without the daemon: the channel, and the few core modules listed here, only.',
      from: { path: '^core/worker/' },
      to: {
        path: '^core/',
        pathNot: [
          '^core/(worker|channel)/',
          '^core/rpc/errors\\.ts$',
          '^core/signals\\.ts$',
          '^core/package-root\\.ts$',
        ],
      },
    },
    {
      name: 'nothing-in-core-imports-the-worker',
      severity: 'error',
      comment: 'The host starts a worker by the path of its built entry (package-root.ts `built`), never by an import.',
      from: { path: '^core/', pathNot: '^core/worker/' },
      to: { path: '^core/worker/' },
    },
    {
      name: 'home-config-trust-observe-below-the-parts',
      severity: 'error',
      comment: 'core/home, config, trust and observe serve the parts above them.',
      from: { path: '^core/(home|config|trust|observe)/' },
      to: { path: '^core/((rpc|host|dashboard|cli|upgrade|worker|daemon)/|daemon\\.ts$)' },
    },
    {
      name: 'rpc-does-not-import-host',
      severity: 'error',
      comment: 'rpc reaches plugins through a small interface the daemon wires up, not host internals.',
      from: { path: '^core/rpc/' },
      to: { path: '^core/host/' },
    },
    {
      name: 'rpc-and-host-below-daemon-and-cli',
      severity: 'error',
      comment:
        'core/rpc and core/host sit below the daemon (and its parts), the dashboard (which the daemon wires in) and the CLI.',
      from: { path: '^core/(rpc|host)/' },
      to: { path: '^core/(daemon\\.ts$|daemon/|dashboard/|cli/)' },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'The CLI is the top layer: nothing else in core imports it.',
      from: { path: '^core/', pathNot: '^core/cli/' },
      to: { path: '^core/cli/' },
    },
    {
      name: 'sdk-imports-little-of-core',
      severity: 'error',
      comment: 'sdk/ may import the core modules listed in SDK_MAY_IMPORT only.',
      from: { path: '^sdk/' },
      to: { path: '^core/', pathNot: SDK_MAY_IMPORT },
    },
    {
      name: 'web-imports-only-the-contract',
      severity: 'error',
      comment: 'The page shares with the daemon only what core/contract/ declares: shapes and pure functions.',
      from: { path: '^web/' },
      to: { path: '^(core|sdk)/', pathNot: '^core/contract/' },
    },
    {
      name: 'web-runs-in-a-browser',
      severity: 'error',
      comment: "The page is bundled for the browser: no Node built-in, not even through the contract's modules.",
      from: { path: '^(web/|core/contract/(figures|verdicts|units|dashboard)\\.ts$)' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
