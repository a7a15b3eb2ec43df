// The plugin: the methods it serves, the signals it listens to, and what it
// does when it stops. The daemon compiles this file itself when it loads it.
import { definePlugin, Type } from 'plugd/sdk';

export default definePlugin({
  setup(ctx) {
    let greetings = 0;

    ctx.rpc.method(
      'greet',
      {
        description: 'Greets someone by name.',
        // Checked by the daemon before the handler runs: a bad call is answered -32602.
        params: Type.Object({ name: Type.String({ minLength: 1, description: 'Who to greet' }) }, { additionalProperties: false }),
      },
      // `name` is typed string, from the schema above.
      ({ name }) => {
        greetings++;
        return `hello, ${name}!`;
      },
    );

    // kill -USR2 $(cat ~/.plugd/plugd.pid) reaches this listener.
    ctx.signals.on('SIGUSR2', () => ctx.log.info({ greetings }, 'greetings so far'));

    // Runs when the plugin stops: daemon stop, unload, or the old version's end after a reload.
    ctx.onShutdown(() => ctx.log.info('goodbye'));
  },
});
