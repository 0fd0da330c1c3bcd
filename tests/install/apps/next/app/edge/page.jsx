// The same page rendered by the edge runtime (the `edge-light` condition).
export { default } from "../page";
export const runtime = "edge";
