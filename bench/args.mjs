// bench/args.mjs: the `--name value` command line of the bench drivers (rpc_watch.mjs, renewals.mjs), with a
// clear exit 2 on anything else.
export function benchArgs(tool) {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) {
    const flag = process.argv[i];
    const value = process.argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) {
      process.stderr.write(`${tool}: bad arguments near ${flag}; see the usage at the top of the file\n`);
      process.exit(2);
    }
    args[flag.slice(2)] = value;
  }
  // A non-negative number option, or `fallback` when it is absent.
  const num = (name, fallback) => {
    const value = Number(args[name] ?? fallback);
    if (!Number.isFinite(value) || value < 0) {
      process.stderr.write(`${tool}: --${name} must be a number\n`);
      process.exit(2);
    }
    return value;
  };
  return { args, num };
}
