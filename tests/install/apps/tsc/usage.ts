// Type-checked with the installed package's own .d.ts (strict, skipLibCheck false,
// target es2022): under moduleResolution bundler with target es2022's default lib
// (es2022 + dom), and nodenext with lib ["es2022", "dom"]. The entries (main,
// manual-init and their full and v1beta twins), the error classes, and disposal.
import { RealtimeVision, ValidationError, OvershootError, type StreamResult } from "overshoot-wasm";
import init, { RealtimeVision as ManualVision, UnauthorizedError } from "overshoot-wasm/manual-init";
import { RealtimeVision as V1betaVision } from "overshoot-wasm/v1beta";
import initV1beta, { StreamClient as V1betaClient } from "overshoot-wasm/v1beta/manual-init";
import { RealtimeVision as FullVision } from "overshoot-wasm/full";
import initFull, { RealtimeVision as FullManualVision } from "overshoot-wasm/full/manual-init";

export async function run(apiKey: string): Promise<string[]> {
  const texts: string[] = [];
  const onResult = (result: StreamResult): void => {
    if (result.ok) texts.push(result.result);
  };
  try {
    const vision = new RealtimeVision({ apiKey, prompt: "What is there?", onResult });
    await vision.start();
    vision[Symbol.dispose]();
  } catch (error) {
    if (error instanceof ValidationError || error instanceof UnauthorizedError) texts.push(error.message);
    const base: OvershootError | undefined = error instanceof OvershootError ? error : undefined;
    void base;
  }
  await init();
  const manual = new ManualVision({ apiKey, prompt: "p", onResult });
  // @ts-expect-error the prompt is a string
  await manual.updatePrompt(1);
  const v1beta = new V1betaVision({ apiKey, apiUrl: "https://api.overshoot.ai/v1beta", onResult });
  const asked: StreamResult = await v1beta.ask("What colour?", { frame: true });
  await initV1beta();
  await new V1betaClient({ apiKey, apiUrl: "https://api.overshoot.ai/v1beta" }).getModels();
  texts.push(asked.ok ? asked.result : "");
  await new FullVision({ apiKey, prompt: "p", onResult, transport: "livekit" }).start();
  await initFull();
  new FullManualVision({ apiKey, prompt: "p", onResult, transport: "livekit" }).free();
  return texts;
}
