// A route handler (server only) that imports the package and makes a browser-only call:
// it must import fine and answer with the error that says where to make that call.
import { RealtimeVision, ValidationError } from "overshoot-wasm";

export const dynamic = "force-dynamic";

export function GET() {
  try {
    new RealtimeVision({ apiKey: "k", prompt: "p", onResult() {} });
    return Response.json({ thrown: null });
  } catch (error) {
    return Response.json({ thrown: error.message, errorClass: ValidationError.name });
  }
}
