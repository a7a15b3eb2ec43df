// counter.plugin.ts
import { definePlugin } from "file:///work/main/dist/sdk/sdk.bundle.mjs";
var count = 0;
var counter_plugin_default = definePlugin({
  name: "counter",
  setup(ctx) {
    ctx.signals.on("SIGUSR2", () => {
      count++;
      ctx.log.info({ count }, "SIGUSR2 received");
    });
    ctx.rpc.method("count", { description: "How many SIGUSR2 the daemon has received." }, () => ({ count }));
  },
  snapshot: () => count,
  restore: (state) => {
    count = state;
  }
});
export {
  counter_plugin_default as default
};
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiY291bnRlci5wbHVnaW4udHMiXSwKICAibWFwcGluZ3MiOiAiO0FBR0EsU0FBUyxvQkFBb0I7QUFFN0IsSUFBSSxRQUFRO0FBRVosSUFBTyx5QkFBUSxhQUE4QjtBQUFBLEVBQzNDLE1BQU07QUFBQSxFQUNOLE1BQU0sS0FBSztBQUNULFFBQUksUUFBUSxHQUFHLFdBQVcsTUFBTTtBQUM5QjtBQUNBLFVBQUksSUFBSSxLQUFLLEVBQUUsTUFBTSxHQUFHLGtCQUFrQjtBQUFBLElBQzVDLENBQUM7QUFDRCxRQUFJLElBQUksT0FBTyxTQUFTLEVBQUUsYUFBYSw0Q0FBNEMsR0FBRyxPQUFPLEVBQUUsTUFBTSxFQUFFO0FBQUEsRUFDekc7QUFBQSxFQUNBLFVBQVUsTUFBTTtBQUFBLEVBQ2hCLFNBQVMsQ0FBQyxVQUFVO0FBQ2xCLFlBQVE7QUFBQSxFQUNWO0FBQ0YsQ0FBQzsiLAogICJuYW1lcyI6IFtdCn0K
