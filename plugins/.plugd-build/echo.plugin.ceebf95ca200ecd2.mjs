// echo.plugin.ts
import { definePlugin, Type } from "file:///work/main/dist/sdk/sdk.bundle.mjs";
var echo_plugin_default = definePlugin({
  name: "echo",
  setup(ctx) {
    ctx.rpc.method(
      "say",
      {
        description: "Answers with the text it was given.",
        params: Type.Object({ text: Type.String({ description: "What to say back" }) }, { additionalProperties: false })
      },
      ({ text }) => ({ text })
    );
    ctx.rpc.method("echo", { description: "Answers with its params, whatever they are." }, (params) => params);
    ctx.log.info("echo is ready");
  }
});
export {
  echo_plugin_default as default
};
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiZWNoby5wbHVnaW4udHMiXSwKICAibWFwcGluZ3MiOiAiO0FBRUEsU0FBUyxjQUFjLFlBQVk7QUFFbkMsSUFBTyxzQkFBUSxhQUFhO0FBQUEsRUFDMUIsTUFBTTtBQUFBLEVBQ04sTUFBTSxLQUFLO0FBQ1QsUUFBSSxJQUFJO0FBQUEsTUFDTjtBQUFBLE1BQ0E7QUFBQSxRQUNFLGFBQWE7QUFBQSxRQUNiLFFBQVEsS0FBSyxPQUFPLEVBQUUsTUFBTSxLQUFLLE9BQU8sRUFBRSxhQUFhLG1CQUFtQixDQUFDLEVBQUUsR0FBRyxFQUFFLHNCQUFzQixNQUFNLENBQUM7QUFBQSxNQUNqSDtBQUFBLE1BQ0EsQ0FBQyxFQUFFLEtBQUssT0FBTyxFQUFFLEtBQUs7QUFBQSxJQUN4QjtBQUNBLFFBQUksSUFBSSxPQUFPLFFBQVEsRUFBRSxhQUFhLDhDQUE4QyxHQUFHLENBQUMsV0FBVyxNQUFNO0FBQ3pHLFFBQUksSUFBSSxLQUFLLGVBQWU7QUFBQSxFQUM5QjtBQUNGLENBQUM7IiwKICAibmFtZXMiOiBbXQp9Cg==
