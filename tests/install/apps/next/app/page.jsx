// A server component (prerendered at build time; resolved with the `react-server`
// condition) that imports the package too, and renders the client component.
import { ValidationError } from "overshoot-wasm";
import Vision from "./vision";

export default function Page() {
  return (
    <main>
      <h1 id="server-import">{ValidationError.name}</h1>
      <Vision />
    </main>
  );
}
