// Node options that let a child process run the bench's TypeScript files
// (the same preload `npm run bench` and the tests use).

export const TS_LOADER = ['--import', new URL('../test/preload.js', import.meta.url).href];
