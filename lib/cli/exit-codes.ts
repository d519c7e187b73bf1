/** Process exit codes of the `loadsim` command. */
export const EXIT = {
  /** Valid, or the run passed. */
  ok: 0,
  /** The run finished and failed its thresholds. */
  fail: 1,
  /** Bad input: config, clients, accounts, flags. Nothing was sent. */
  badInput: 2,
  /** A second Ctrl-C. */
  interrupted: 130,
} as const;
