// Example plugin: counts the SIGUSR2 signals the daemon receives
// (`kill -USR2 $(cat $PLUGD_HOME/plugd.pid)`), and keeps the count across
// reloads with snapshot/restore.
import { definePlugin } from 'plugd/sdk';

let count = 0;

export default definePlugin<unknown, number>({
  name: 'counter',
  setup(ctx) {
    ctx.signals.on('SIGUSR2', () => {
      count++;
      ctx.log.info({ count }, 'SIGUSR2 received');
    });
    ctx.rpc.method('count', { description: 'How many SIGUSR2 the daemon has received.' }, () => ({ count }));
  },
  snapshot: () => count,
  restore: (state) => {
    count = state;
  },
});
