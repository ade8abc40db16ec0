import { cleanupAll, runBench } from "./harness.js";
import { parseOptions, UsageError, USAGE } from "./options.js";
import { formatReport, writeReport } from "./report.js";

// `npm run bench -- --tier small --mode embedded|postgres --connections 64 --duration 60 [--nodes 2]`

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parseOptions(argv);
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`[bench] ${line}\n`);
  };
  process.on("SIGINT", () => {
    log("interrupted; stopping servers and removing the bench database");
    void cleanupAll().finally(() => process.exit(130));
  });
  const report = await runBench(options, log);
  process.stdout.write(formatReport(report));
  const file = writeReport(report, options.resultsDir);
  process.stdout.write(`\nJSON: ${file}\n`);
  const errors = report.phases.reduce((n, p) => n + p.overall.errors, 0);
  return errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    else process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
