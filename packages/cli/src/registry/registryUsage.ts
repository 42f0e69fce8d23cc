// What `lucent registry --help` and `lucent registry <action> --help` print: the overview, and each action's own usage.

export const registryUsage = `usage: lucent registry <action> [args] (--nats URL [--prefix P] [--database PG_URL [--schema S]] | --admin URL [--token T])
actions:
  list                                  every function with state, active version, traffic split
  show <fn>                             one function's rules and registered versions
  register <fn>@<version>... | --all --manifest FILE
                                        add versions from a manifest written by \`lucent generate\` (shards
                                        register the functions compiled into them when they start)
  activate <fn> <version> [--force --reason R]
  rollback <fn> [--to VERSION]          make the previously active version (or VERSION) active again
  weights <fn> <version>=<percent>...   e.g. 1.0.0=90 2.0.0=10 (the active version gets the rest)
  shadow <fn> <version|off>
  enable <fn> | disable <fn>
  jurisdictions <fn> [--allow US,DE] [--deny FR] [--clear]
  route <fn> --name NAME [--when COND]... [--require-tags a,b] [--avoid-tags c] [--mode require|prefer]
  route <fn> --remove NAME | --clear
                                        send calls whose facts meet every COND (notional>=1000000, side=buy,
                                        pair=ETH-USDC,BTC-USDC) to shards with (or without) those tags; a route
                                        of the same name is replaced where it stands; --mode prefer falls back
                                        to other shards when none fits (default: the call is refused)
  history <fn> [--limit N]
  shadow-report <fn>                     agreed / diverged / skipped / sampled-out counts of its shadow runs, with
                                        recent divergences: from the running shards (--nats), or --database
  bundles [fn]                          published bundles (holding fn), how the registry uses them, state per shard
  withdraw <bundle-id>                  take back a refused or unused bundle: its versions leave the registry,
                                        shards unload it, and the same code may be published again
options: --prefix P (the cluster's subject prefix, default lucent: registry bucket P-registry, bundles P_bundles),
  --bucket B (registry KV bucket), --bundle-bucket B, --reason R (recorded with the change),
  --who NAME (NATS only; the token decides over HTTP), --json
  list, show, history and bundles only read: they create no bucket.
exit codes: 0 done, 2 usage or validation, 3 not found, 4 unauthorised, 5 refused as conflicting, 6 unavailable, 1 other`;

/** How to say which registry; every action but bundles, withdraw and shadow-report takes either. */
const registryTarget = '(--nats URL [--prefix P | --bucket B] [--database PG_URL [--schema S]] | --admin URL [--token T])';
const where = `  --nats URL             the cluster's NATS server; --prefix P its subject prefix (default lucent: bucket P-registry),
                         --bucket B the registry KV bucket by name
  --database PG_URL      the system's event store: the audit trail (history) is written and read there
  --admin URL            a service's admin API instead, with --token T (or LUCENT_ADMIN_TOKEN)`;
const writes = `  --reason R             why, recorded with the change (default: the command)
  --who NAME             recorded as the author (NATS only; over --admin the token decides)
  --json                 print the new rules as JSON`;
const exits = 'exit codes: 0 done, 2 usage or validation, 3 not found, 4 unauthorised, 5 refused as conflicting, 6 unavailable, 1 other';

/** A write action's usage: synopsis, what it does, where, the write options, exit codes. */
const write = (synopsis: string, about: string, options = ''): string =>
  `usage: lucent registry ${synopsis} ${registryTarget}\n${about}\n${options}${where}\n${writes}\n${exits}`;
/** A read-only action's usage. */
const read = (synopsis: string, about: string, options = ''): string =>
  `usage: lucent registry ${synopsis} ${registryTarget} [--json]\n${about}; reads only (creates no bucket)\n${options}${where}\n${exits}`;

/** `lucent registry <action> --help`: that action's arguments and options only. */
export const registryActionUsage: Readonly<Record<string, string>> = {
  list: read('list', 'every function with its state, active version and traffic split'),
  show: read('show <fn>', "one function's rules and registered versions"),
  history: read('history <fn> [--limit N]', "one function's recorded changes, newest first: who, why, what changed", '  --limit N              the newest N changes only\n'),
  register: write(
    'register (<fn>@<version>... | --all) --manifest FILE',
    'add versions from the manifest `lucent generate` writes (shards register the functions compiled into them when they start);\na new version of a known function is registered inactive',
    '  --manifest FILE        function-manifest.json from `lucent generate`\n  --all                  every function version in the manifest\n',
  ),
  activate: write(
    'activate <fn> <version> [--force --reason R]',
    'make VERSION take all the traffic; a version whose contract differs from the active one is refused (CONTRACT_INCOMPATIBLE)',
    '  --force                activate it anyway (needs --reason; the audit records forced)\n',
  ),
  rollback: write(
    'rollback <fn> [--to VERSION]',
    'make the version active before the current one active again, read from the history (or VERSION, any registered one)',
    '  --to VERSION           the version to restore instead of the previous one\n',
  ),
  weights: write('weights <fn> <version>=<percent>...', 'split traffic, sticky per user, e.g. 1.0.0=90 2.0.0=10; the active version gets the rest'),
  shadow: write('shadow <fn> <version|off>', 'run VERSION beside the live one on every call and compare outputs (never returned to callers); off stops it'),
  enable: write('enable <fn>', 'serve the function again (the kill switch off)'),
  disable: write('disable <fn>', 'refuse every call to the function at once, on callers and shards (the kill switch)'),
  jurisdictions: write(
    'jurisdictions <fn> [--allow US,DE] [--deny FR] [--clear]',
    "refuse calls whose caller's jurisdiction is not allowed or is denied",
    '  --allow CODES          only these jurisdictions (ISO codes, comma-separated, repeatable)\n  --deny CODES           never these\n  --clear                no jurisdiction rules\n',
  ),
  route: write(
    'route <fn> (--name NAME [--when COND]... [--require-tags a,b] [--avoid-tags c] [--mode require|prefer] | --remove NAME | --clear)',
    'send calls whose facts meet every COND to shards with (or without) those tags; a route of the same name is replaced where it stands',
    [
      '  --when COND            notional>=1000000, side=buy, pair=ETH-USDC,BTC-USDC (repeat: all must hold)',
      '  --require-tags a,b     shards with every tag; --avoid-tags c: shards with none of them',
      '  --mode require|prefer  prefer falls back to other shards when none fits (default require: the call is refused)',
      '  --remove NAME          drop one route; --clear drops them all',
      '',
    ].join('\n'),
  ),
  'shadow-report': `usage: lucent registry shadow-report <fn> (--nats URL [--prefix P] | --database PG_URL [--schema S]) [--json]
per live/shadow pair: agreement rate, agreed, diverged, failed (the shadow threw), skipped (the shard was at
maxInFlight shadow runs) and sampled out (sampleRate), then the latest divergences with their input and both outputs
  --nats URL             ask every running shard under prefix P (default lucent) and sum their answers (counts since each started)
  --database PG_URL      read what shards started with --database wrote to the event store (schema S, default lucent)
  --json                 print { source, pairs } as JSON
${exits}`,
  bundles: `usage: lucent registry bundles [fn] --nats URL [--prefix P] [--bundle-bucket B] [--bucket B] [--json]
published bundles (those holding fn), how the registry uses their versions, and each live shard's state of them; reads only
  --prefix P             the cluster's subject prefix (default lucent: bundles P_bundles, registry P-registry)
  --bundle-bucket B      the bundle object store by name; --bucket B the registry bucket
${exits}`,
  withdraw: `usage: lucent registry withdraw <bundle-id> --nats URL [--prefix P] [--bundle-bucket B] [--bucket B] [--reason R] [--who NAME] [--json]
take back a refused or unused bundle: its versions leave the registry (recorded in the history), shards unload it,
and the same code may be published again; a version still active, weighted or shadowed is refused (exit 5)
  --prefix P             the cluster's subject prefix (default lucent: bundles P_bundles, registry P-registry)
  --reason R, --who NAME recorded with the registry change
${exits}`,
};
