/**
 * The Node.js major version every process is built and tested on: the
 * `engines` range of the root package.json (a test keeps the two equal), the
 * `node` package that `npm start`, `npm test` and the benches run, and the
 * image's base. Debian's own Node is older (20), and our code uses what 22+
 * added (`Promise.withResolvers` in the event consumer): under Node 20 a
 * service started, reported ready, and its consumer crashed on the first
 * message it fetched. So a process on another major refuses to start.
 */
export const SUPPORTED_NODE_MAJOR = 24;

/** Why this Node.js cannot run our processes, or undefined when it can. */
export function unsupportedNode(version: string = process.versions.node): string | undefined {
  const major = Number(version.split(".")[0]);
  if (major === SUPPORTED_NODE_MAJOR) return undefined;
  return (
    `Node.js ${version} is not supported: Emporium runs on Node.js ${SUPPORTED_NODE_MAJOR} ` +
    `(run it through npm, which puts the project's own node first on the PATH, or install Node.js ${SUPPORTED_NODE_MAJOR})`
  );
}

/** Ends the process with exit code 1 and the reason when this Node.js cannot run it. */
export function refuseUnsupportedNode(processName: string): void {
  const reason = unsupportedNode();
  if (reason === undefined) return;
  console.error(`${processName} refuses to start: ${reason}`);
  process.exit(1);
}
