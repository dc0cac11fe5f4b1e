/**
 * Preloaded (`node --import`) into every process `npm start` runs for a long time (the web server,
 * the local workers): the process stops when `npm start` is gone, however it went, SIGKILL
 * included, which no signal handler in `npm start` can cover. Children run in process groups of
 * their own (so a Ctrl-C reaches only `npm start`, which stops them in order), so without this a
 * `kill -9` of `npm start` would leave them serving as orphans.
 *
 * Like Linux's PR_SET_PDEATHSIG, but portable: an orphan is re-parented, so its parent pid
 * changes. The process then gets SIGTERM (the worker gives its run back, the web server closes),
 * and exits after a grace period whatever it is doing.
 */
const parent = process.ppid;
const POLL_MS = 500;
const GRACE_MS = 20_000;

const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  process.stderr.write(`[tlab] npm start (pid ${parent}) is gone; pid ${process.pid} stops too\n`);
  setTimeout(() => process.exit(1), GRACE_MS).unref();
  process.kill(process.pid, "SIGTERM");
}, POLL_MS);
// Watching must never keep a finished process alive.
watch.unref();
