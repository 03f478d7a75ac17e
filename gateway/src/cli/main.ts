#!/usr/bin/env node
/** The `guardpost` command line. Sub-commands load their code lazily so `check` starts fast. */
import { Command, InvalidArgumentError } from 'commander';
import { packageVersion } from './version.js';

const program = new Command();
program
  .name('guardpost')
  .description('On-premises IoT gateway for security-guard posts')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  // Usage errors exit 2 (set before the sub-commands so they inherit it).
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('start')
  .description('run the gateway')
  .requiredOption('-c, --config <file>', 'site config (YAML)')
  .option('-d, --data-dir <dir>', 'journal and state directory', './data')
  .option('--sim', "also run the site's simulated devices (the demo; GUARDPOST_DEMO_SIM=0 turns it off)")
  .option('--no-sim', 'without the simulated devices (after --sim: npm start -- --no-sim)')
  .action(async (o: { config: string; dataDir: string; sim?: boolean }) => {
    const { runStart } = await import('./start.js');
    process.exitCode = await runStart({
      config: o.config,
      dataDir: o.dataDir,
      env: process.env,
      sim: o.sim === true,
    });
    process.exit(process.exitCode);
  });

program
  .command('check')
  .description('validate a site config; prints every problem, exits 1 on any')
  .requiredOption('-c, --config <file>', 'site config (YAML)')
  .action(async (o: { config: string }) => {
    const { runCheck } = await import('./check.js');
    process.exitCode = runCheck(o.config, process.stdout, process.stderr);
  });

program
  .command('passwd')
  .description('read a password on stdin, print its password_hash')
  .action(async () => {
    const { runPasswd } = await import('./passwd.js');
    process.exitCode = await runPasswd(process.stdin, process.stdout, process.stderr);
  });

const isoWeek = (v: string): string => {
  if (!/^\d{4}-W\d{2}$/.test(v)) throw new InvalidArgumentError('expected an ISO week like 2026-W48');
  return v;
};

program
  .command('bulletin')
  .description('write the weekly bulletin (HTML, JSON, CSV) computed from the journal')
  .requiredOption('-w, --week <week>', 'ISO week, e.g. 2026-W48', isoWeek)
  .option('-z, --zone <zone>', 'one zone (default: the district)')
  .requiredOption('-o, --out <dir>', 'output directory')
  .option('-c, --config <file>', 'site config (YAML)', 'gateway/demo/site.yaml')
  .option('-d, --data-dir <dir>', 'journal directory', './data')
  .action(async (o: { week: string; zone?: string; out: string; config: string; dataDir: string }) => {
    const { runBulletin } = await import('./bulletin.js');
    process.exitCode = await runBulletin({
      configPath: o.config,
      dataDir: o.dataDir,
      week: o.week,
      out: o.out,
      ...(o.zone ? { zone: o.zone } : {}),
    });
  });

await program.parseAsync(process.argv);
