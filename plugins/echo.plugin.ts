// Example plugin: returns what it is given. `echo.say` shows a typed method
// with a TypeBox params schema; `echo.echo` takes any params; `echo.worker`
// says which worker serves (a reload replaces it).
import { threadId } from 'node:worker_threads';
import { definePlugin, Type } from 'plugd/sdk';

export default definePlugin({
  name: 'echo',
  setup(ctx) {
    ctx.rpc.method(
      'say',
      {
        description: 'Answers with the text it was given.',
        params: Type.Object(
          { text: Type.String({ description: 'What to say back' }) },
          { additionalProperties: false },
        ),
      },
      ({ text }) => ({ text }),
    );
    ctx.rpc.method('echo', { description: 'Answers with its params, whatever they are.' }, (params) => params);
    ctx.rpc.method('worker', { description: 'The thread id and pid of the worker that serves this plugin.' }, () => ({
      threadId,
      pid: process.pid,
    }));
    ctx.log.info('echo is ready');
  },
});
