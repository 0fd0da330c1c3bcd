// The same page rendered on every request (server-side rendering at run time).
export { default } from "../page";
export const dynamic = "force-dynamic";
