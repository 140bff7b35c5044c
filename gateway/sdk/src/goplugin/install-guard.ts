// Side-effect module, imported first by the SDK's entry point: guards stdout before any
// other module (the SDK's or the plugin author's later imports) can print to it.
import { installStdoutGuard, startedByHost } from "./stdout-guard.js";

if (startedByHost()) installStdoutGuard();
